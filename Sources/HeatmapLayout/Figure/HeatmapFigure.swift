import Tensors

/// A grid of heatmaps with shared axes and a colorbar, as `show_heatmaps` in
/// Dive into Deep Learning draws attention weights.
///
/// Dimension letters: `R` rows and `C` columns of panels, each panel a matrix
/// of `H` rows (queries) and `W` columns (keys).
///
/// A figure is checked once, when it is made: the parts that must fit
/// together (the matrices, titles and tick labels, the size, the dpi and
/// the colour limits) change only through the throwing setters, so every
/// figure a renderer receives is one it can draw.
public struct HeatmapFigure: Sendable {
  /// The matrices to draw: `[R, C, H, W]`. `init` promotes `[H, W]` to one
  /// panel and `[C, H, W]` to one row.
  public internal(set) var matrices: Tensor
  /// The label under the bottom row of panels.
  public var xlabel: String?
  /// The label left of the first column of panels.
  public var ylabel: String?
  /// One title per column, drawn over every panel of that column: `[C]`.
  public internal(set) var titles: [String]?
  /// One title per row, drawn left of the row: `[R]`, e.g. `Layer 1`.
  public internal(set) var rowTitles: [String]?
  /// One title per panel, row by row: `[R · C]`. Over a panel it takes the
  /// place of its column's title, for grids whose panels are not a row ×
  /// column product (e.g. 30 layers wrapped into 5 rows of 6); an empty
  /// string leaves the panel untitled.
  public internal(set) var panelTitles: [String]?
  /// The size of the whole figure in inches.
  public internal(set) var figsize: FigureSize
  /// Pixels per inch of raster output; vector output is sized in points.
  public internal(set) var dpi: Double
  /// The colours values are drawn with.
  public var colormap: Colormap
  /// The value drawn with the colormap's first colour; `nil` takes the
  /// smallest finite value.
  public internal(set) var vmin: Float?
  /// The value drawn with the colormap's last colour; `nil` takes the largest
  /// finite value.
  public internal(set) var vmax: Float?
  /// Whether all panels share one colour range or each has its own.
  public var colorScale: ColorScale
  /// What the colours measure, written along the colorbar's right side
  /// (matplotlib's `colorbar.set_label`), e.g. "rollout"; nil for none.
  public var colorbarLabel: String?
  /// Whether each cell shows its value as text.
  public var annotate: Bool
  /// One text per cell of every panel (`[R · C · H · W]`, in the order of
  /// `matrices`), written in the cells in place of their values when
  /// `annotate` is set: a label per cell, such as a head's pattern.
  public internal(set) var cellTexts: [String]?
  /// What a NaN or infinite cell stands for, as the HTML page's tooltip
  /// names it: "missing" by default, "masked" where NaN marks a cell a
  /// mask hid (the upper triangle of a causal map). Every renderer draws
  /// such cells as a hatch.
  public var missingCellName = "missing"
  /// One label per matrix column, e.g. key tokens: `[W]`.
  public internal(set) var xTickLabels: [String]?
  /// One label per matrix row, e.g. query tokens: `[H]`.
  public internal(set) var yTickLabels: [String]?
  /// Whether the grid shrinks, when labels would otherwise stick out of the
  /// figure, so that nothing is cut off. `false` keeps matplotlib's subplot
  /// parameters exactly, cut-off labels included.
  public var keepsTextInside: Bool
  /// Where the grid sits on the figure before any text moves it in:
  /// matplotlib's defaults unless a caller fits the figure to its panels
  /// (see `FigureSize.fitting`).
  public var subplotParameters: SubplotParameters = .matplotlib
  /// The share of the grid's width the colorbar's slot takes, and the share
  /// between the grid and that slot: matplotlib's `fraction=0.15` and
  /// `pad=0.05` unless a caller fits the figure to its panels.
  public var colorbarFraction = 0.15
  public var colorbarPad = 0.05

  /// Creates a figure and checks that its parts fit together.
  ///
  /// - Parameters:
  ///   - matrices: `[H, W]`, `[C, H, W]` or `[R, C, H, W]`.
  ///   - titles: `[C]`.
  ///   - rowTitles: `[R]`.
  ///   - xTickLabels: `[W]`.
  ///   - yTickLabels: `[H]`.
  /// - Throws: `HeatmapError` naming the first part that does not fit.
  public init(
    matrices: Tensor,
    xlabel: String? = nil,
    ylabel: String? = nil,
    titles: [String]? = nil,
    rowTitles: [String]? = nil,
    figsize: FigureSize = .d2lDefault,
    dpi: Double = 100,
    colormap: Colormap = .reds,
    vmin: Float? = nil,
    vmax: Float? = nil,
    colorScale: ColorScale = .shared,
    annotate: Bool = false,
    xTickLabels: [String]? = nil,
    yTickLabels: [String]? = nil,
    keepsTextInside: Bool = true
  ) throws(HeatmapError) {
    self.matrices = try Self.promoted(matrices)
    self.xlabel = xlabel
    self.ylabel = ylabel
    self.titles = titles
    self.rowTitles = rowTitles
    self.figsize = figsize
    self.dpi = dpi
    self.colormap = colormap
    self.vmin = vmin
    self.vmax = vmax
    self.colorScale = colorScale
    self.annotate = annotate
    self.xTickLabels = xTickLabels
    self.yTickLabels = yTickLabels
    self.keepsTextInside = keepsTextInside
    try validate()
  }

  /// The number of panel rows, panel columns, and the height and width of
  /// each matrix.
  public var gridShape: (rows: Int, columns: Int, height: Int, width: Int) {
    let shape = Self.fourDimensionalShape(matrices.shape)
    return (shape[0], shape[1], shape[2], shape[3])
  }

  /// Sets the column titles, `[C]`, or none.
  ///
  /// - Throws: `HeatmapError.titleCount` when they are not one per column.
  public mutating func setTitles(_ titles: [String]?) throws(HeatmapError) {
    try checkedChange { $0.titles = titles }
  }

  /// Sets the row titles, `[R]`, or none.
  ///
  /// - Throws: `HeatmapError.rowTitleCount` when they are not one per row.
  public mutating func setRowTitles(_ rowTitles: [String]?) throws(HeatmapError) {
    try checkedChange { $0.rowTitles = rowTitles }
  }

  /// Sets the panels' own titles, `[R · C]` row by row, or none.
  ///
  /// - Throws: `HeatmapError.panelTitleCount` when they are not one per panel.
  public mutating func setPanelTitles(_ panelTitles: [String]?) throws(HeatmapError) {
    try checkedChange { $0.panelTitles = panelTitles }
  }

  /// Sets the texts written in the cells, one per cell, or none.
  ///
  /// - Throws: `HeatmapError.cellTextCount` when they are not one per cell.
  public mutating func setCellTexts(_ cellTexts: [String]?) throws(HeatmapError) {
    try checkedChange { $0.cellTexts = cellTexts }
  }

  /// Sets the labels of the matrices' columns, `[W]`, and rows, `[H]`.
  ///
  /// - Throws: `HeatmapError` when they are not one per column or row.
  public mutating func setTickLabels(x: [String]?, y: [String]?) throws(HeatmapError) {
    try checkedChange {
      $0.xTickLabels = x
      $0.yTickLabels = y
    }
  }

  /// Sets the figure's size in inches and the pixels per inch of raster output.
  ///
  /// - Throws: `HeatmapError` for a side or a dpi that is not positive and finite.
  public mutating func setSize(_ figsize: FigureSize, dpi: Double) throws(HeatmapError) {
    try checkedChange {
      $0.figsize = figsize
      $0.dpi = dpi
    }
  }

  /// Sets the values drawn with the colormap's first and last colours;
  /// `nil` takes the data's smallest or largest finite value.
  ///
  /// - Throws: `HeatmapError` for a limit that is not finite or `vmin >= vmax`.
  public mutating func setLimits(vmin: Float?, vmax: Float?) throws(HeatmapError) {
    try checkedChange {
      $0.vmin = vmin
      $0.vmax = vmax
    }
  }

  /// Applies `change` to a copy and keeps it only if the copy still fits
  /// together, so a refused change leaves the figure as it was.
  private mutating func checkedChange(_ change: (inout HeatmapFigure) -> Void) throws(HeatmapError) {
    var changed = self
    change(&changed)
    try changed.validate()
    self = changed
  }

  /// Checks that the parts of the figure fit together; `init` and the
  /// setters call it, so renderers need not.
  func validate() throws(HeatmapError) {
    let shape = matrices.shape
    guard (2...4).contains(shape.count) else { throw .unsupportedRank(shape: shape) }
    guard shape.allSatisfy({ $0 > 0 }) else { throw .emptyMatrices(shape: shape) }
    let grid = gridShape
    if let titles, titles.count != grid.columns {
      throw .titleCount(titles: titles.count, columns: grid.columns)
    }
    if let rowTitles, rowTitles.count != grid.rows {
      throw .rowTitleCount(titles: rowTitles.count, rows: grid.rows)
    }
    if let panelTitles, panelTitles.count != grid.rows * grid.columns {
      throw .panelTitleCount(titles: panelTitles.count, panels: grid.rows * grid.columns)
    }
    if let cellTexts, cellTexts.count != matrices.count {
      throw .cellTextCount(texts: cellTexts.count, cells: matrices.count)
    }
    if let xTickLabels, xTickLabels.count != grid.width {
      throw .xTickLabelCount(labels: xTickLabels.count, width: grid.width)
    }
    if let yTickLabels, yTickLabels.count != grid.height {
      throw .yTickLabelCount(labels: yTickLabels.count, height: grid.height)
    }
    let sides = [figsize.width, figsize.height]
    guard sides.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw .invalidFigureSize(width: figsize.width, height: figsize.height)
    }
    guard dpi.isFinite && dpi > 0 else { throw .invalidDPI(dpi) }
    if let vmin, !vmin.isFinite { throw .nonFiniteLimit(name: "vmin", value: vmin) }
    if let vmax, !vmax.isFinite { throw .nonFiniteLimit(name: "vmax", value: vmax) }
    if let vmin, let vmax, !(vmin < vmax) { throw .invalidLimits(vmin: vmin, vmax: vmax) }
  }

  private static func promoted(_ matrices: Tensor) throws(HeatmapError) -> Tensor {
    guard (2...4).contains(matrices.rank) else { throw .unsupportedRank(shape: matrices.shape) }
    guard matrices.shape.allSatisfy({ $0 > 0 }) else { throw .emptyMatrices(shape: matrices.shape) }
    return matrices.reshaped(fourDimensionalShape(matrices.shape))
  }

  private static func fourDimensionalShape(_ shape: [Int]) -> [Int] {
    precondition((2...4).contains(shape.count), "matrices of shape \(shape) are not 2-D, 3-D or 4-D")
    return Array(repeating: 1, count: 4 - shape.count) + shape
  }
}
