import Heatmaps
import TransformerModels

/// The figure of a model's attention: a row per chosen layer, a column per
/// chosen head (or one column when the heads are combined), the tokens as
/// tick labels on both axes, one colour scale, and a size fitted to the
/// tokens and the grid.
///
/// Legend: `N` layers, `H` heads, `L` tokens; `n`, `h` the chosen ones.
///
/// ```swift
/// let attention = try model.attention(text: "The cat sat.")
/// let figure = try ModelFigure(attention, selection: .all(layerCount: 6, headCount: 12))
/// try renderFigure(figure.heatmap, to: "cat.png")
/// ```
public struct ModelFigure: Sendable {
  /// The figure to draw, which a caller may restyle before drawing.
  public var heatmap: HeatmapFigure
  /// `[n, h, L, L]` (or `[n, 1, L, L]` combined): the maps the figure draws.
  public let maps: Tensor
  /// The selection the maps were chosen by.
  public let selection: AttentionSelection

  /// Chooses the maps of `attention` and lays them out as a figure.
  ///
  /// - Parameters:
  ///   - attention: a run's attentions `[N, H, L, L]` and its tokens.
  ///   - selection: the layers and heads to draw, within `N` and `H`.
  ///   - colorScale: one scale for every panel (the default) or one each.
  ///   - figsize: the size in inches; `nil` fits the figure to the tokens
  ///     (a fifth of an inch a token, at least 2.5 inches a panel, at most
  ///     48 inches wide).
  /// - Throws: `SelectionError` when the selection reaches past the run's
  ///   layers or heads; `HeatmapError` for a figure size that cannot be drawn.
  public init(
    _ attention: ModelAttention, selection: AttentionSelection, colorScale: ColorScale = .shared,
    figsize: FigureSize? = nil
  ) throws {
    if let layer = selection.layers.first(where: { $0 >= attention.layerCount }) {
      throw SelectionError(
        axis: .layers, "\(layer + 1) is outside the model, which has layers 1-\(attention.layerCount)")
    }
    if let head = selection.heads.first(where: { $0 >= attention.headCount }) {
      throw SelectionError(
        axis: .heads, "\(head + 1) is outside the model, which has heads 1-\(attention.headCount)")
    }
    let maps = selection.select(attention.attentions)
    var heatmap = try HeatmapFigure(
      matrices: maps, xlabel: "Keys", ylabel: "Queries", titles: selection.headTitles,
      rowTitles: selection.layerTitles, figsize: figsize ?? .d2lDefault, colorScale: colorScale,
      xTickLabels: attention.tokens, yTickLabels: attention.tokens)
    if figsize == nil {
      fitModelFigure(&heatmap, rows: maps.shape[0], columns: maps.shape[1], tokens: attention.tokens)
    }
    self.heatmap = heatmap
    self.maps = maps
    self.selection = selection
  }
}
