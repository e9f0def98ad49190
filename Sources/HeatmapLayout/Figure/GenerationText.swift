import Tensors

/// A text a model wrote, token by token, with what each written token
/// attended to: the model of the generation page, which shades the tokens
/// before a hovered (or focused) written token by its attention in one
/// layer and head, or combined over them.
///
/// Legend: `N` layers, `H` heads, `P` prompt tokens, `G` written tokens,
/// `L = P + G`; `R = G · P + G · (G - 1) / 2`, the weights of the `G` rows
/// the written tokens were chosen from.
///
/// Only those rows travel: written token `k` (at position `P + k`) was
/// chosen from row `P + k - 1` of each map, over the `P + k` tokens before
/// it. The page combines maps itself, as `GenerationFigure` does: the heads
/// of each layer first (mean or max), then the layers.
public struct GenerationText: Sendable {
  /// What the page shows, for a map: one layer (or head), or all of them combined.
  public enum Choice: Sendable, Equatable {
    /// One layer or head, 0-based.
    case one(Int)
    /// The mean of all of them, cell by cell.
    case mean
    /// The largest of all of them, cell by cell.
    case max
  }

  /// The page's title, e.g. the model and the prompt's start.
  public var title: String
  /// The `L` token labels, as the model spells them, for tooltips.
  public let labels: [String]
  /// The `L` pieces of text shown in sequence: the labels unless a caller
  /// has the tokens' decoded text.
  public let texts: [String]
  /// `P`.
  public let promptTokenCount: Int
  /// `[N, H, R]`: for each map, the rows of the written tokens one after
  /// the other, row `k` `P + k` weights long.
  public let rows: Tensor
  /// The colours weights are shaded with, from 0 to the scale's top.
  public var colormap: Colormap
  /// The layer the page opens with (`.one` a layer, or combined).
  public var layer: Choice
  /// The head the page opens with (`.one` a head, or combined).
  public var head: Choice

  /// - Parameters:
  ///   - labels: `[L]`; `texts`: `[L]`, or `nil` for the labels.
  ///   - promptTokenCount: `P`, `1 ≤ P ≤ L`.
  ///   - rows: `[N, H, R]` with `R` as the legend defines it.
  /// - Precondition: the sizes agree and `layer` and `head` are inside `N` and `H`.
  public init(
    title: String, labels: [String], texts: [String]? = nil, promptTokenCount: Int, rows: Tensor,
    colormap: Colormap = .reds, layer: Choice = .mean, head: Choice = .mean
  ) {
    let (length, generated) = (labels.count, labels.count - promptTokenCount)
    precondition(promptTokenCount >= 1 && generated >= 0, "\(promptTokenCount) prompt tokens of \(length)")
    precondition(texts == nil || texts!.count == length, "\(texts?.count ?? 0) texts for \(length) tokens")
    let weightCount = Self.rowWeightCount(promptTokenCount: promptTokenCount, generated: generated)
    precondition(
      rows.rank == 3 && rows.shape[2] == weightCount, "rows \(rows.shape) must be [N, H, \(weightCount)]")
    for (choice, count) in [(layer, rows.shape[0]), (head, rows.shape[1])] {
      if case .one(let index) = choice {
        precondition((0..<count).contains(index), "\(choice) outside 0..<\(count)")
      }
    }
    self.title = title
    self.labels = labels
    self.texts = texts ?? labels
    self.promptTokenCount = promptTokenCount
    self.rows = rows
    self.colormap = colormap
    self.layer = layer
    self.head = head
  }

  /// `N`.
  public var layerCount: Int { rows.shape[0] }
  /// `H`.
  public var headCount: Int { rows.shape[1] }

  /// `R`: the weights of the rows `generated` written tokens were chosen
  /// from after a prompt of `promptTokenCount`.
  public static func rowWeightCount(promptTokenCount: Int, generated: Int) -> Int {
    generated * promptTokenCount + generated * (generated - 1) / 2
  }

  /// Where written token `k`'s row starts inside a map's `R` weights.
  public func rowStart(_ k: Int) -> Int {
    k * promptTokenCount + k * (k - 1) / 2
  }
}
