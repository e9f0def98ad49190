extension FigureSize {
  /// The figure size, and the subplot parameters, at which every panel of a
  /// `rows` × `columns` grid gets exactly `panelWidth` inches with
  /// matplotlib's gaps and colorbar geometry, and the margins around the
  /// grid are the given inches rather than fractions of a large figure, so
  /// that no band of the figure is left empty.
  ///
  /// - Parameters:
  ///   - cellAspect: the height / width of each matrix `[H, W]`, `H / W`.
  ///   - panelWidth: the width of one panel in inches.
  ///   - margins: inches left of, right of, above and below the grid (the
  ///     colorbar is inside the grid's box, as in matplotlib); `nil` keeps
  ///     matplotlib's fractions.
  public static func fitting(
    rows: Int, columns: Int, cellAspect: Double = 1, panelWidth: Double,
    margins: (left: Double, right: Double, top: Double, bottom: Double)? = nil
  ) -> (size: FigureSize, parameters: SubplotParameters) {
    let matplotlib = SubplotParameters.matplotlib
    let style = LayoutStyle.matplotlib
    // A slot's share of the grid's width, after the colorbar takes its
    // fraction and pad (shared or per panel, the slots shrink alike).
    let slotsAcross = Double(columns) + matplotlib.wspace * Double(columns - 1)
    let slotsDown = Double(rows) + matplotlib.hspace * Double(rows - 1)
    let keptShare = 1 - style.colorbarFraction - style.colorbarPad
    let gridWidth = panelWidth * slotsAcross / keptShare
    let gridHeight = panelWidth * cellAspect * slotsDown
    guard let margins else {
      let size = FigureSize(
        width: gridWidth / (matplotlib.right - matplotlib.left),
        height: gridHeight / (matplotlib.top - matplotlib.bottom))
      return (size, matplotlib)
    }
    let size = FigureSize(
      width: gridWidth + margins.left + margins.right, height: gridHeight + margins.top + margins.bottom)
    let parameters = SubplotParameters(
      left: margins.left / size.width, right: 1 - margins.right / size.width,
      bottom: margins.bottom / size.height, top: 1 - margins.top / size.height,
      wspace: matplotlib.wspace, hspace: matplotlib.hspace)
    return (size, parameters)
  }
}
