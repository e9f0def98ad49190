import Heatmaps
import TransformerModels

/// The figure of what a decoder attended to as it wrote: a row per
/// generated token, a column per token before the last one (the prompt's,
/// then the generated ones), each row the attention the token was written
/// from, over every token before it, and masked (hatched) right of that.
///
/// Legend: `N` layers, `H` heads, `P` prompt tokens, `G` generated tokens,
/// `L = P + G`; `n`, `h` the chosen layers and heads.
///
/// Row `k` is the token at position `P + k`, which was chosen from row
/// `P + k - 1` of the maps: its columns `0...P + k - 1` are that row, the
/// rest NaN. The panels are chosen as `ModelFigure` chooses them (a row per
/// layer, a column per head, or the heads combined, with the same default
/// and the same wrapping of many combined layers into a grid), and the
/// chosen layers may be combined too (`layerAggregate`): their mean (or
/// max) of each column's maps, one row of panels. A single panel is titled
/// by what it shows: "Layer 5, head 3", "mean of heads 1-9, layers 1-30".
///
/// ```swift
/// let run = try model.generate(prompt: encoding, options: .init()) { _ in }
/// let selection = try AttentionSelection(layerCount: 30, headCount: 9, aggregate: .mean)
/// let figure = try GenerationFigure(run, selection: selection, layerAggregate: .mean)
/// try renderFigure(figure.heatmap, to: "written.png")
/// ```
public struct GenerationFigure: Sendable {
  /// The figure to draw, which a caller may restyle before drawing.
  public var heatmap: HeatmapFigure
  /// `[n, h, G, L - 1]` (`[n, 1, …]` with the heads combined, `[1, …]` with
  /// the layers combined): the rows drawn, NaN where a row's token could
  /// not see the column's.
  public let rows: Tensor
  /// The layers and heads the rows were chosen by.
  public let selection: AttentionSelection
  /// How the chosen layers were combined, or `nil` for a panel row per layer.
  public let layerAggregate: AttentionSelection.Aggregation?

  /// Chooses the maps of `run`, keeps the rows its tokens were written
  /// from, and lays them out as a figure.
  ///
  /// - Parameters:
  ///   - run: a generation with `G ≥ 1` written tokens.
  ///   - selection: the layers and heads, within `N` and `H`; `nil` takes
  ///     `ModelFigure.defaultSelection(layerCount:headCount:)`.
  ///   - layerAggregate: combines the chosen layers' maps into one (mean or
  ///     max, cell by cell), after the heads are combined.
  ///   - colorScale: one scale for every panel (the default) or one each.
  ///   - figsize: the size in inches; `nil` fits the figure to the tokens,
  ///     as `ModelFigure` does, with square cells.
  /// - Throws: `SelectionError` when the selection reaches past the run's
  ///   layers or heads; `HeatmapError.emptyMatrices` for a run that wrote
  ///   nothing; `HeatmapError` for a figure size that cannot be drawn.
  public init(
    _ run: GenerationRun, selection: AttentionSelection? = nil,
    layerAggregate: AttentionSelection.Aggregation? = nil, colorScale: ColorScale = .shared,
    figsize: FigureSize? = nil, lens: AttentionLens = .attention
  ) throws {
    let attention = run.attention
    let selection =
      selection
      ?? ModelFigure.defaultSelection(layerCount: attention.layerCount, headCount: attention.headCount, lens: lens)
    try checkSelection(selection, within: attention)
    let headTitles = lensTitles(selection.headTitles, lens: lens)
    let rows = generationRows(
      of: combiningLayers(selection.select(attention.attentions), layerAggregate),
      promptTokenCount: run.promptTokenCount)
    let tokens = attention.tokens
    let (generated, earlier) = (Array(tokens[run.promptTokenCount...]), Array(tokens.dropLast()))
    let (xlabel, ylabel) = ("Tokens before it (1-\(run.promptTokenCount) the prompt)", "Written token")
    let panelCount = rows.shape[0] * rows.shape[1]
    var heatmap: HeatmapFigure
    let grid: (rows: Int, columns: Int)
    if panelCount == 1 {
      grid = (1, 1)
      heatmap = try HeatmapFigure(
        matrices: rows, xlabel: xlabel, ylabel: ylabel,
        titles: [singlePanelTitle(selection, layerAggregate: layerAggregate, lens: lens)],
        figsize: figsize ?? .d2lDefault,
        colorScale: colorScale, xTickLabels: earlier, yTickLabels: generated)
    } else if layerAggregate == nil, selection.aggregate != nil,
      let wrapped = wrappedGrid(panelCount: selection.layers.count)
    {
      grid = wrapped
      heatmap = try HeatmapFigure(
        matrices: rows.reshaped([grid.rows, grid.columns, rows.shape[2], rows.shape[3]]), xlabel: xlabel,
        ylabel: ylabel, figsize: figsize ?? .d2lDefault, colorScale: colorScale, xTickLabels: earlier,
        yTickLabels: generated)
      try heatmap.setPanelTitles(selection.layerTitles.map { "\($0), \(headTitles[0])" })
    } else {
      grid = (rows.shape[0], rows.shape[1])
      let layerTitles =
        layerAggregate.map { ["\($0.rawValue) of layers \(numbersDescription(selection.layers))"] }
        ?? selection.layerTitles
      heatmap = try HeatmapFigure(
        matrices: rows, xlabel: xlabel, ylabel: ylabel, titles: headTitles, rowTitles: layerTitles,
        figsize: figsize ?? .d2lDefault, colorScale: colorScale, xTickLabels: earlier, yTickLabels: generated)
    }
    heatmap.missingCellName = "masked"
    heatmap.colorbarLabel = lens == .attention ? nil : lens.scaleName
    if figsize == nil {
      fitTokenFigure(&heatmap, rows: grid.rows, columns: grid.columns, keys: earlier, queries: generated)
    }
    self.heatmap = heatmap
    self.rows = rows
    self.selection = selection
    self.layerAggregate = layerAggregate
  }
}

/// The title of a figure of one map: "Layer 5, head 3", "mean of heads 1-9,
/// layer 5", "head 3, mean of layers 1-30", "mean of heads 1-9, layers 1-30".
/// Under a lens other than attention the title names it: "Rollout, layer
/// 5", "Layer 5, head 3, value norm".
func singlePanelTitle(
  _ selection: AttentionSelection, layerAggregate: AttentionSelection.Aggregation?,
  lens: AttentionLens = .attention
) -> String {
  let layers = numbersDescription(selection.layers)
  switch lens {
  case .attention: break
  case .rollout, .flow:
    let name = lens == .flow ? "Flow" : "Rollout"
    return layerAggregate.map { "\(name), \($0.rawValue) of layers \(layers)" } ?? "\(name), layer \(layers)"
  case .valueNorm:
    return singlePanelTitle(selection, layerAggregate: layerAggregate) + ", value norm"
  }
  let heads = selection.aggregate.map { "\($0.rawValue) of heads \(selection.headsDescription)" }
  switch (heads, layerAggregate) {
  case (nil, nil): return "Layer \(layers), head \(selection.headsDescription)"
  case (let heads?, nil): return "\(heads), layer \(layers)"
  case (nil, let layerAggregate?):
    return "Head \(selection.headsDescription), \(layerAggregate.rawValue) of layers \(layers)"
  case (let heads?, let layerAggregate?):
    // One word for both when they are combined alike.
    let of = layerAggregate == selection.aggregate ? "layers" : "\(layerAggregate.rawValue) of layers"
    return "\(heads), \(of) \(layers)"
  }
}

/// 0-based indices as a person writes their numbers: "1-30", "2,5".
func numbersDescription(_ indices: [Int]) -> String {
  let numbers = indices.map { $0 + 1 }
  if numbers.count > 1, numbers == Array(numbers[0]...numbers[numbers.count - 1]) {
    return "\(numbers[0])-\(numbers[numbers.count - 1])"
  }
  return numbers.map(String.init).joined(separator: ",")
}

/// `maps` `[n, c, L, L]` with its layers combined cell by cell into
/// `[1, c, L, L]`, or as it is for `nil`.
package func combiningLayers(_ maps: Tensor, _ aggregate: AttentionSelection.Aggregation?) -> Tensor {
  guard let aggregate else { return maps }
  let layerCount = maps.shape[0]
  let layerSize = maps.scalars.count / layerCount
  var combined = [Float](repeating: aggregate == .mean ? 0 : -.infinity, count: layerSize)
  maps.scalars.withUnsafeBufferPointer { scalars in
    for layer in 0..<layerCount {
      let start = layer * layerSize
      for index in 0..<layerSize {
        let value = scalars[start + index]
        combined[index] = aggregate == .mean ? combined[index] + value : max(combined[index], value)
      }
    }
  }
  if aggregate == .mean {
    let scale = 1 / Float(layerCount)
    for index in 0..<layerSize { combined[index] *= scale }
  }
  return Tensor(shape: [1] + maps.shape.dropFirst(), scalars: combined)
}

/// The rows a run's tokens were written from: `maps` `[r, c, L, L]` to
/// `[r, c, G, L - 1]`, row `k` being row `P + k - 1` of each map over its
/// first `P + k` columns, NaN after them.
package func generationRows(of maps: Tensor, promptTokenCount: Int) -> Tensor {
  let (panels, length) = (maps.shape[0] * maps.shape[1], maps.shape[2])
  let generatedCount = length - promptTokenCount
  let width = length - 1
  var rows = [Float](repeating: .nan, count: panels * generatedCount * width)
  maps.scalars.withUnsafeBufferPointer { scalars in
    for panel in 0..<panels {
      for k in 0..<generatedCount {
        let source = (panel * length + promptTokenCount + k - 1) * length
        let target = (panel * generatedCount + k) * width
        for column in 0..<(promptTokenCount + k) { rows[target + column] = scalars[source + column] }
      }
    }
  }
  return Tensor(shape: [maps.shape[0], maps.shape[1], generatedCount, width], scalars: rows)
}
