import Heatmaps
import TransformerModels

/// The figure of a model's attention: a row per chosen layer, a column per
/// chosen head (or one column when the heads are combined), the tokens as
/// tick labels on both axes, one colour scale, and a size fitted to the
/// tokens and the grid.
///
/// Legend: `N` layers, `H` heads, `L` tokens; `n`, `h` the chosen ones.
///
/// Without a selection the figure shows what fits a screen
/// (`defaultSelection(layerCount:headCount:)`): every layer and head when
/// there are at most `largestHeadGrid` (144) panels, as for MiniLM's 6 × 12
/// or BERT-base's 12 × 12; past that (SmolLM2's 30 × 9 = 270) one panel per
/// layer, the mean of its heads. More than `largestColumn` (8) combined
/// layers wrap into a grid of about √n columns, each panel titled by its
/// layer (30 layers: 5 rows of 6). The rule reads only the sizes.
///
/// A causal run (`attention.kind == .causal`) draws the upper triangle of
/// every panel (key after query) as masked: NaN cells, hatched, left out of
/// the colour scale, and named "masked" by the HTML page's tooltip.
///
/// ```swift
/// let attention = try model.attention(text: "The cat sat.")
/// let figure = try ModelFigure(attention, selection: .all(layerCount: 6, headCount: 12))
/// try renderFigure(figure.heatmap, to: "cat.png")
/// ```
public struct ModelFigure: Sendable {
  /// The figure to draw, which a caller may restyle before drawing.
  public var heatmap: HeatmapFigure
  /// `[n, h, L, L]` (or `[n, 1, L, L]` combined): the maps the figure draws,
  /// as the run has them (a causal map's upper triangle is 0 here, NaN in
  /// `heatmap`).
  public let maps: Tensor
  /// The selection the maps were chosen by.
  public let selection: AttentionSelection

  /// The most panels a figure draws one per head without a selection.
  public static let largestHeadGrid = 144
  /// The most combined layers drawn as one column; more wrap into a grid.
  public static let largestColumn = 8

  /// What a figure of a model with these sizes shows without a selection:
  /// every layer and head up to `largestHeadGrid` panels, and past that
  /// every layer with the mean of all its heads.
  /// A lens with one map per layer (rollout) shows every layer's map, wrapped as combined heads are.
  public static func defaultSelection(layerCount: Int, headCount: Int, lens: AttentionLens = .attention)
    -> AttentionSelection
  {
    if !lens.hasHeads { return try! AttentionSelection(layerCount: layerCount, headCount: 1, aggregate: .mean) }
    if layerCount * headCount <= largestHeadGrid { return .all(layerCount: layerCount, headCount: headCount) }
    return try! AttentionSelection(layerCount: layerCount, headCount: headCount, aggregate: .mean)
  }

  /// Chooses the maps of `attention` and lays them out as a figure.
  ///
  /// - Parameters:
  ///   - attention: a run's attentions `[N, H, L, L]` and its tokens.
  ///   - selection: the layers and heads to draw, within `N` and `H`;
  ///     `nil` takes `defaultSelection(layerCount:headCount:)`.
  ///   - colorScale: one scale for every panel (the default) or one each.
  ///   - figsize: the size in inches; `nil` fits the figure to the tokens
  ///     (a fifth of an inch a token, at least 2.5 inches a panel, at most
  ///     48 inches wide).
  /// - Throws: `SelectionError` when the selection reaches past the run's
  ///   layers or heads; `HeatmapError` for a figure size that cannot be drawn.
  public init(
    _ attention: ModelAttention, selection: AttentionSelection? = nil, colorScale: ColorScale = .shared,
    figsize: FigureSize? = nil, lens: AttentionLens = .attention
  ) throws {
    let selection =
      selection ?? Self.defaultSelection(layerCount: attention.layerCount, headCount: attention.headCount, lens: lens)
    try checkSelection(selection, within: attention)
    let headTitles = lensTitles(selection.headTitles, lens: lens)
    let maps = selection.select(attention.attentions)
    let drawn = attention.kind == .causal ? maskingUpperTriangles(maps) : maps
    var heatmap: HeatmapFigure
    let grid: (rows: Int, columns: Int)
    if selection.aggregate != nil, let wrapped = wrappedGrid(panelCount: selection.layers.count) {
      grid = wrapped
      let (length, headTitle) = (attention.tokens.count, headTitles[0])
      heatmap = try HeatmapFigure(
        matrices: drawn.reshaped([grid.rows, grid.columns, length, length]), xlabel: "Keys",
        ylabel: "Queries",
        figsize: figsize ?? .d2lDefault, colorScale: colorScale, xTickLabels: attention.tokens,
        yTickLabels: attention.tokens)
      try heatmap.setPanelTitles(selection.layerTitles.map { "\($0), \(headTitle)" })
    } else {
      grid = (maps.shape[0], maps.shape[1])
      heatmap = try HeatmapFigure(
        matrices: drawn, xlabel: "Keys", ylabel: "Queries", titles: headTitles,
        rowTitles: selection.layerTitles, figsize: figsize ?? .d2lDefault, colorScale: colorScale,
        xTickLabels: attention.tokens, yTickLabels: attention.tokens)
    }
    if attention.kind == .causal { heatmap.missingCellName = "masked" }
    heatmap.colorbarLabel = lens == .attention ? nil : lens.scaleName
    if figsize == nil {
      fitModelFigure(&heatmap, rows: grid.rows, columns: grid.columns, tokens: attention.tokens)
    }
    self.heatmap = heatmap
    self.maps = maps
    self.selection = selection
  }
}

/// A figure's head titles under `lens`: rollout and flow have one map per
/// layer, titled by the lens; value norms name the lens beside each head.
func lensTitles(_ titles: [String], lens: AttentionLens) -> [String] {
  switch lens {
  case .attention: titles
  case .rollout: ["rollout"]
  case .flow: ["flow"]
  case .valueNorm: titles.map { "\($0), value norm" }
  }
}

/// Refuses a selection that reaches past the run's layers or heads.
func checkSelection(_ selection: AttentionSelection, within attention: ModelAttention) throws(SelectionError)
{
  if let layer = selection.layers.first(where: { $0 >= attention.layerCount }) {
    throw SelectionError(
      axis: .layers, "\(layer + 1) is outside the model, which has layers 1-\(attention.layerCount)")
  }
  if let head = selection.heads.first(where: { $0 >= attention.headCount }) {
    throw SelectionError(
      axis: .heads, "\(head + 1) is outside the model, which has heads 1-\(attention.headCount)")
  }
}

/// The grid `panelCount` combined layers wrap into, or `nil` to keep them in
/// one column: at most `largestColumn` panels stay a column; more take the
/// fewest columns `c ≥ √n` that divide `n` evenly, so that no slot is empty,
/// as long as that is at most `2√n` (a prime count stays a column).
func wrappedGrid(panelCount: Int) -> (rows: Int, columns: Int)? {
  guard panelCount > ModelFigure.largestColumn else { return nil }
  let root = Double(panelCount).squareRoot()
  guard
    let columns = (Int(root.rounded(.up))...panelCount).first(where: { panelCount % $0 == 0 }),
    Double(columns) <= 2 * root
  else { return nil }
  return (panelCount / columns, columns)
}

/// `maps` `[.., Lq, Lk]` with every cell whose key comes after its query
/// (column > row) set to NaN, which figures draw as masked.
package func maskingUpperTriangles(_ maps: Tensor) -> Tensor {
  let shape = maps.shape
  let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
  var scalars = maps.scalars
  let mapCount = rows * columns == 0 ? 0 : scalars.count / (rows * columns)
  for map in 0..<mapCount {
    for row in 0..<rows {
      let start = (map * rows + row) * columns
      for column in min(row + 1, columns)..<columns { scalars[start + column] = .nan }
    }
  }
  return Tensor(shape: shape, scalars: scalars)
}
