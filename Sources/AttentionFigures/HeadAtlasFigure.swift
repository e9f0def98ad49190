import Heatmaps
import TransformerModels

/// The figure of a head atlas: one panel, a row per layer and a column per
/// head, each cell coloured by one statistic and labelled with the head's
/// pattern (`prev`, `next`, `self`, `sink`, `broad`; a mixed head is left
/// blank).
///
/// ```swift
/// let atlas = try model.headAtlas(of: [model.tokenize("The cat sat.")])
/// let figure = try HeadAtlasFigure(atlas, statistic: .entropy)
/// try renderFigure(figure.heatmap, to: "atlas.png")
/// ```
public struct HeadAtlasFigure: Sendable {
  /// The figure to draw, which a caller may restyle before drawing.
  public var heatmap: HeatmapFigure

  /// The short label written in a head's cell.
  public static func cellText(_ label: HeadLabel) -> String {
    switch label {
    case .previousToken: "prev"
    case .nextToken: "next"
    case .self: "self"
    case .sink: "sink"
    case .broad: "broad"
    case .mixed: ""
    }
  }

  /// - Parameters:
  ///   - statistic: the number that colours the cells.
  ///   - figsize: the size in inches; `nil` fits the figure to the grid
  ///     as `ModelFigure` does, with square cells.
  /// - Throws: `HeatmapError` for an atlas without heads or a size that cannot be drawn.
  public init(_ atlas: HeadAtlas, statistic: HeadStatistic = .entropy, figsize: FigureSize? = nil) throws {
    let layers = atlas.heads.count
    let heads = atlas.heads.first?.count ?? 0
    let values = atlas.heads.flatMap { $0.map { Float(statistic.value(of: $0)) } }
    var heatmap = try HeatmapFigure(
      matrices: Tensor(shape: [layers, heads], scalars: values), xlabel: "Head", ylabel: "Layer",
      titles: [statistic.title],
      figsize: figsize ?? .d2lDefault,
      xTickLabels: (1...max(heads, 1)).map(String.init).prefix(heads).map { $0 },
      yTickLabels: (1...max(layers, 1)).map(String.init).prefix(layers).map { $0 })
    heatmap.annotate = true
    try heatmap.setCellTexts(atlas.heads.flatMap { $0.map { Self.cellText($0.label) } })
    if figsize == nil {
      fitTokenFigure(
        &heatmap, rows: 1, columns: 1, keys: heatmap.xTickLabels ?? [], queries: heatmap.yTickLabels ?? [])
    }
    self.heatmap = heatmap
  }
}
