import Heatmaps
import TransformerModels

extension GenerationText {
  /// The page model of `run`: every layer's and head's rows the written
  /// tokens were chosen from, the tokens' labels, and the view it opens on.
  ///
  /// - Parameters:
  ///   - run: a generation over `N` layers and `H` heads.
  ///   - layer: the layer the page opens on (0-based), or `.mean` / `.max` of all.
  ///   - head: the head it opens on (0-based), or `.mean` / `.max` of all.
  ///   - tokenTexts: `[L]` pieces of text to show for the tokens (for
  ///     instance each token's decoded bytes); `nil` shows their labels.
  ///   - title: the page's title.
  /// - Throws: `SelectionError` for a layer or head the run does not have.
  /// - Precondition: `tokenTexts`, if given, has one text per token.
  public init(
    _ run: GenerationRun, layer: Choice = .mean, head: Choice = .mean, tokenTexts: [String]? = nil,
    title: String = "", colormap: Colormap = .reds
  ) throws(SelectionError) {
    let attention = run.attention
    for (choice, count, axis) in [
      (layer, attention.layerCount, SelectionError.Axis.layers),
      (head, attention.headCount, .heads),
    ] {
      if case .one(let index) = choice, !(0..<count).contains(index) {
        throw SelectionError(
          axis: axis, "\(index + 1) is outside the model, which has \(axis.rawValue) 1-\(count)")
      }
    }
    let (promptCount, length) = (run.promptTokenCount, attention.tokens.count)
    let generated = length - promptCount
    let weightCount = Self.rowWeightCount(promptTokenCount: promptCount, generated: generated)
    let mapCount = attention.layerCount * attention.headCount
    var rows = [Float](repeating: .nan, count: mapCount * weightCount)
    attention.attentions.scalars.withUnsafeBufferPointer { maps in
      for map in 0..<mapCount {
        var target = map * weightCount
        for k in 0..<generated {
          let source = (map * length + promptCount + k - 1) * length
          for key in 0..<(promptCount + k) { rows[target + key] = maps[source + key] }
          target += promptCount + k
        }
      }
    }
    self.init(
      title: title, labels: attention.tokens, texts: tokenTexts, promptTokenCount: promptCount,
      rows: Tensor(shape: [attention.layerCount, attention.headCount, weightCount], scalars: rows),
      colormap: colormap, layer: layer, head: head)
  }
}

/// The self-contained HTML page of a generation: the prompt and the written
/// text in sequence; hovering or focusing a written token shades the tokens
/// before it by its attention, in the layer and head (or their mean or max)
/// chosen on the page. `attn generate --out x.html` and the server write it.
///
/// ```swift
/// let html = try renderGenerationPage(run, layer: .mean, head: .max)
/// ```
///
/// - Throws: `SelectionError` as `GenerationText.init(_:layer:head:tokenTexts:title:colormap:)` does.
public func renderGenerationPage(
  _ run: GenerationRun, layer: GenerationText.Choice = .mean, head: GenerationText.Choice = .mean,
  tokenTexts: [String]? = nil, title: String = "", colormap: Colormap = .reds
) throws(SelectionError) -> [UInt8] {
  renderGenerationPage(
    try GenerationText(
      run, layer: layer, head: head, tokenTexts: tokenTexts, title: title, colormap: colormap))
}
