import AttentionCore
import Heatmaps
import TransformerModels

/// `ModelFigure` for a long run kept as records (`AttentionRecording`):
/// every panel is recomputed at the size it is drawn, never as a whole
/// `L × L` map. While a panel has more tokens than pixels, each pixel is
/// the mean weight of the tokens it covers (`AttentionRecording.overview`)
/// and the ticks name positions; once it has fewer, each cell is one
/// token's exact weight, labelled with the token, as `ModelFigure` draws it.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// ```swift
/// let recording = try model.record(try model.tokenize(longText))
/// let figure = try LongModelFigure(recording, rows: 4000..<4100)   // queries 4000-4099 over every key
/// try renderFigure(figure.heatmap, to: "long.png")
/// ```
public struct LongModelFigure: Sendable {
  /// What a renderer draws.
  public var heatmap: HeatmapFigure
  /// Whether a panel's cells pool several tokens (true) or are one token each.
  public let pooled: Bool
  /// The positions where each row and column of cells starts, then the end.
  public let rowStarts: [Int]
  public let columnStarts: [Int]
  /// How many rows of a panel each row of cells takes (more than 1 for a
  /// crop of a few rows over many keys).
  public let rowRepeat: Int

  /// - Parameters:
  ///   - selection: the maps to draw; by default `ModelFigure.defaultSelection`
  ///     (every head when there are at most 144, else each layer's mean).
  ///   - rows: the query positions to draw, from 0, end excluded; all by
  ///     default. `columns` likewise for the keys.
  ///   - dpi: the raster's pixels per inch, which sets how many cells a panel holds.
  /// - Throws: `SelectionError` for a layer or head outside the run,
  ///   `LensError` for rows or columns outside it.
  public init(
    _ recording: AttentionRecording, selection: AttentionSelection? = nil, rows: Range<Int>? = nil,
    columns: Range<Int>? = nil, colorScale: ColorScale = .shared, dpi: Double = 100
  ) throws {
    let (layerCount, headCount, count) = (recording.layerCount, recording.headCount, recording.tokenCount)
    let selection = selection ?? ModelFigure.defaultSelection(layerCount: layerCount, headCount: headCount)
    if let layer = selection.layers.first(where: { $0 >= layerCount }) {
      throw SelectionError(axis: .layers, "\(layer + 1) is outside the model, which has layers 1-\(layerCount)")
    }
    if let head = selection.heads.first(where: { $0 >= headCount }) {
      throw SelectionError(axis: .heads, "\(head + 1) is outside the model, which has heads 1-\(headCount)")
    }
    let (rows, columns) = (rows ?? 0..<count, columns ?? 0..<count)
    guard !rows.isEmpty, !columns.isEmpty, rows.lowerBound >= 0, columns.lowerBound >= 0,
      rows.upperBound <= count, columns.upperBound <= count
    else {
      throw LensError(
        "rows \(rows.lowerBound)-\(rows.upperBound - 1) and columns \(columns.lowerBound)-\(columns.upperBound - 1) "
          + "must lie within the text's tokens 0-\(count - 1)")
    }
    let aggregated = selection.aggregate != nil
    let grid =
      aggregated
      ? wrappedGrid(panelCount: selection.layers.count) ?? (1, selection.layers.count)
      : (selection.layers.count, selection.heads.count)
    let shared = colorScale == .shared

    // As many cells across as the panel has pixels, each cell the same
    // number of tokens down as across (a panel at most four times as tall
    // as wide): first with a label a token; if the tokens outnumber the
    // pixels, again with positions as labels, which are shorter.
    func tokensPerCell(keys: [String], queries: [String]) -> Int {
      let panel = tokenFigureFit(
        rows: grid.0, columns: grid.1, keys: keys, queries: queries, sharedColorbar: shared
      ).panel
      let pixels = max(1, Int(panel * dpi))
      return max(1, (columns.count + pixels - 1) / pixels, (rows.count + 4 * pixels - 1) / (4 * pixels))
    }
    let across = { (range: Range<Int>, tokens: Int) in (range.count + tokens - 1) / tokens }
    var tokens = tokensPerCell(keys: Array(recording.tokens[columns]), queries: Array(recording.tokens[rows]))
    if tokens > 1 {
      let positions = { (range: Range<Int>) in
        AttentionRecord.binStarts(of: range, cells: across(range, tokens)).dropLast().map { String($0) }
      }
      tokens = tokensPerCell(keys: positions(columns), queries: positions(rows))
    }
    let pooled = tokens > 1
    let rowStarts = AttentionRecord.binStarts(of: rows, cells: across(rows, tokens))
    let columnStarts = AttentionRecord.binStarts(of: columns, cells: across(columns, tokens))
    let (height, width) = (rowStarts.count - 1, columnStarts.count - 1)

    // Each panel's cells; a causal map's cells wholly past the diagonal are masked.
    var scalars: [Float] = []
    scalars.reserveCapacity(selection.layers.count * (aggregated ? 1 : selection.heads.count) * height * width)
    for layer in selection.layers {
      var panels: [Tensor] = []
      for head in selection.heads {
        panels.append(
          try recording.overview(
            layer: layer, head: head, rows: rows, columns: columns, rowCells: height, columnCells: width))
      }
      if aggregated {
        var mean = [Float](repeating: 0, count: height * width)
        for panel in panels {
          for index in mean.indices { mean[index] += panel.scalars[index] }
        }
        let scale = 1 / Float(panels.count)
        scalars += mean.map { $0 * scale }
      } else {
        for panel in panels { scalars += panel.scalars }
      }
    }
    if recording.kind == .causal {
      let panelCount = scalars.count / (height * width)
      for panel in 0..<panelCount {
        for i in 0..<height {
          // The last query of row i sees keys up to its own position.
          let lastQuery = rowStarts[i + 1] - 1
          for j in 0..<width where columnStarts[j] > lastQuery {
            scalars[(panel * height + i) * width + j] = .nan
          }
        }
      }
    }

    let labels = { (starts: [Int]) -> [String] in
      pooled ? starts.dropLast().map { String($0) } : starts.dropLast().map { recording.tokens[$0] }
    }
    var (xLabels, yLabels) = (labels(columnStarts), labels(rowStarts))
    // Panels are drawn with square cells; a crop of a few rows over many
    // keys repeats each row so that a panel is at least a quarter as tall
    // as wide, its label on the first copy.
    let rowRepeat = 4 * height < width ? (width + 4 * height - 1) / (4 * height) : 1
    if rowRepeat > 1 {
      var stretched: [Float] = []
      stretched.reserveCapacity(scalars.count * rowRepeat)
      for row in 0..<(scalars.count / width) {
        for _ in 0..<rowRepeat { stretched += scalars[(row * width)..<((row + 1) * width)] }
      }
      scalars = stretched
      yLabels = yLabels.flatMap { [$0] + Array(repeating: "", count: rowRepeat - 1) }
    }
    let drawnHeight = height * rowRepeat
    let headTitles = selection.headTitles
    var heatmap: HeatmapFigure
    if aggregated {
      heatmap = try HeatmapFigure(
        matrices: Tensor(shape: [grid.0, grid.1, drawnHeight, width], scalars: scalars),
        xlabel: pooled ? "Key positions" : "Keys", ylabel: pooled ? "Query positions" : "Queries",
        colorScale: colorScale, xTickLabels: xLabels, yTickLabels: yLabels)
      try heatmap.setPanelTitles(selection.layerTitles.map { "\($0), \(headTitles[0])" })
    } else {
      heatmap = try HeatmapFigure(
        matrices: Tensor(shape: [grid.0, grid.1, drawnHeight, width], scalars: scalars),
        xlabel: pooled ? "Key positions" : "Keys", ylabel: pooled ? "Query positions" : "Queries",
        titles: headTitles, rowTitles: selection.layerTitles, colorScale: colorScale, xTickLabels: xLabels,
        yTickLabels: yLabels)
    }
    if recording.kind == .causal { heatmap.missingCellName = "masked" }
    if pooled { heatmap.colorbarLabel = "mean weight, up to \(tokens) × \(tokens) tokens a cell" }
    tokenFigureFit(rows: grid.0, columns: grid.1, keys: xLabels, queries: yLabels, sharedColorbar: shared)
      .fit.apply(to: &heatmap)
    try heatmap.setSize(heatmap.figsize, dpi: dpi)
    self.heatmap = heatmap
    self.pooled = pooled
    self.rowStarts = rowStarts
    self.columnStarts = columnStarts
    self.rowRepeat = rowRepeat
  }
}
