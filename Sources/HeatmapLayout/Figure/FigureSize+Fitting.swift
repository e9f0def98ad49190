/// A figure size with the subplot parameters and colorbar shares that go
/// with it, from `FigureSize.fitting`.
public struct FigureFit: Sendable, Equatable {
  public var size: FigureSize
  public var parameters: SubplotParameters
  public var colorbarFraction: Double
  public var colorbarPad: Double

  /// Gives `figure` this size, placement and colorbar geometry.
  public func apply(to figure: inout HeatmapFigure) {
    figure.figsize = size
    figure.subplotParameters = parameters
    figure.colorbarFraction = colorbarFraction
    figure.colorbarPad = colorbarPad
  }
}

extension FigureSize {
  /// The figure size, subplot parameters and colorbar shares at which every
  /// panel of a `rows` × `columns` grid gets exactly `panelWidth` inches with
  /// matplotlib's gaps and colorbar geometry, so that no band of the figure
  /// is left empty by the panels' equal aspect.
  ///
  /// - Parameters:
  ///   - cellAspect: the height / width of each matrix `[H, W]`, `H / W`.
  ///   - panelWidth: the width of one panel in inches.
  ///   - margins: inches left of, right of, above and below the grid's box
  ///     (which holds the colorbar, as in matplotlib); `nil` keeps
  ///     matplotlib's fractions of the figure.
  ///   - colorbarPad: with `margins`, the inches between the grid and one
  ///     colorbar for the whole grid, whose slot is then exactly as wide as
  ///     the bar (matplotlib's shares of a wide grid leave a wide empty
  ///     slot); `nil` keeps matplotlib's shares, as per-panel colorbars need.
  public static func fitting(
    rows: Int, columns: Int, cellAspect: Double = 1, panelWidth: Double,
    margins: (left: Double, right: Double, top: Double, bottom: Double)? = nil,
    colorbarPad: Double? = nil
  ) -> FigureFit {
    let matplotlib = SubplotParameters.matplotlib
    let style = LayoutStyle.matplotlib
    let slotsAcross = Double(columns) + matplotlib.wspace * Double(columns - 1)
    let slotsDown = Double(rows) + matplotlib.hspace * Double(rows - 1)
    let panelsWidth = panelWidth * slotsAcross
    let gridHeight = panelWidth * cellAspect * slotsDown
    guard let margins else {
      // The slots shrink by the colorbar's shares, shared or per panel alike.
      let gridWidth = panelsWidth / (1 - style.colorbarFraction - style.colorbarPad)
      let size = FigureSize(
        width: gridWidth / (matplotlib.right - matplotlib.left),
        height: gridHeight / (matplotlib.top - matplotlib.bottom))
      return FigureFit(
        size: size, parameters: matplotlib, colorbarFraction: style.colorbarFraction,
        colorbarPad: style.colorbarPad)
    }
    var gridWidth = panelsWidth / (1 - style.colorbarFraction - style.colorbarPad)
    var fraction = style.colorbarFraction
    var pad = style.colorbarPad
    if let colorbarPad {
      // The bar is `shrink` of the grid's height and `aspect` times as high as wide.
      let barWidth = gridHeight * style.colorbarShrink / style.colorbarAspect
      gridWidth = panelsWidth + colorbarPad + barWidth
      fraction = barWidth / gridWidth
      pad = colorbarPad / gridWidth
    }
    let size = FigureSize(
      width: gridWidth + margins.left + margins.right, height: gridHeight + margins.top + margins.bottom)
    let parameters = SubplotParameters(
      left: margins.left / size.width, right: 1 - margins.right / size.width,
      bottom: margins.bottom / size.height, top: 1 - margins.top / size.height,
      wspace: matplotlib.wspace, hspace: matplotlib.hspace)
    return FigureFit(size: size, parameters: parameters, colorbarFraction: fraction, colorbarPad: pad)
  }
}
