import Heatmaps
import TransformerModels

/// The figure of a span's attention: two panels side by side, what the
/// span's tokens attend to (its rows summed) and what attends to the span
/// (its columns summed), a row per chosen map and a column per token.
///
/// Legend: `N` layers, `H` heads, `L` tokens; `n`, `h` the chosen ones.
///
/// ```swift
/// let attention = try model.attention(text: "The doctor said she was late.")
/// let figure = try SpanFigure(attention, span: 3..<5)
/// try renderFigure(figure.heatmap, to: "span.png")
/// ```
public struct SpanFigure: Sendable {
  /// The figure to draw, which a caller may restyle before drawing.
  public var heatmap: HeatmapFigure
  /// `[2, n, h, L]`: the from rows, then the to rows, of the chosen maps.
  public let sums: Tensor

  /// - Parameters:
  ///   - attention: a run's maps `[N, H, L, L]` (or a lens of them) and its tokens.
  ///   - span: token positions within `0..<L`.
  ///   - selection: the maps, as `ModelFigure` chooses them (its default when nil).
  /// - Throws: `LensError` for a span outside the tokens; `SelectionError`
  ///   for a selection outside the run.
  public init(
    _ attention: ModelAttention, span: Range<Int>, selection: AttentionSelection? = nil,
    colorScale: ColorScale = .shared, figsize: FigureSize? = nil, lens: AttentionLens = .attention
  ) throws {
    let selection =
      selection ?? ModelFigure.defaultSelection(layerCount: attention.layerCount, headCount: attention.headCount, lens: lens)
    try checkSelection(selection, within: attention)
    let maps = selection.select(attention.attentions)
    let (from, to) = try spanAttention(maps, span: span)
    let (layers, heads, length) = (maps.shape[0], maps.shape[1], attention.tokens.count)
    let rows = layers * heads
    let headTitles = lensTitles(selection.headTitles, lens: lens)
    let rowLabels = selection.layers.flatMap { layer in
      headTitles.map { "Layer \(layer + 1), \($0)" }
    }
    let spanText = attention.tokens[span].joined(separator: " ")
    let numbers = span.count == 1 ? "\(span.lowerBound)" : "\(span.lowerBound)-\(span.upperBound - 1)"
    sums = Tensor(shape: [2, layers, heads, length], scalars: from.scalars + to.scalars)
    var heatmap = try HeatmapFigure(
      matrices: Tensor(shape: [1, 2, rows, length], scalars: from.scalars + to.scalars), xlabel: "Tokens",
      titles: ["from \(numbers) “\(spanText)”", "to \(numbers) “\(spanText)”"], figsize: figsize ?? .d2lDefault,
      colorScale: colorScale, xTickLabels: attention.tokens, yTickLabels: rowLabels)
    heatmap.colorbarLabel = lens == .attention ? "summed attention weight" : "summed " + lens.scaleName
    if figsize == nil {
      fitTokenFigure(&heatmap, rows: 1, columns: 2, keys: attention.tokens, queries: rowLabels)
    }
    self.heatmap = heatmap
  }
}
