import Heatmaps

/// Sizes a grid of attention maps over `tokens` for its labels: a fifth of
/// an inch a token, so that every token's label fits beside its row at 10
/// points, at least d2l's 2.5 inches a panel, at most a figure 48 inches
/// (4800 pixels at 100 dpi) wide. The margins, and a shared colorbar's slot,
/// are sized in inches rather than as fractions of a large figure, and the
/// height follows from the panels, so no band of the figure stays empty; the
/// layout still moves the grid in if a label sticks out.
package func fitModelFigure(_ figure: inout HeatmapFigure, rows: Int, columns: Int, tokens: [String]) {
  fitTokenFigure(&figure, rows: rows, columns: columns, keys: tokens, queries: tokens)
}

/// `fitModelFigure` for panels of `queries.count` rows and `keys.count`
/// columns, whose cells stay square: the width follows the keys, the
/// height the panels' aspect.
package func fitTokenFigure(
  _ figure: inout HeatmapFigure, rows: Int, columns: Int, keys: [String], queries: [String]
) {
  tokenFigureFit(
    rows: rows, columns: columns, keys: keys, queries: queries, sharedColorbar: figure.colorScale == .shared
  ).fit.apply(to: &figure)
}

/// The size `fitTokenFigure` gives, and the width of each panel in inches.
package func tokenFigureFit(
  rows: Int, columns: Int, keys: [String], queries: [String], sharedColorbar: Bool
) -> (panel: Double, fit: FigureFit) {
  // Tick labels at 10 points run about 0.08 inch a character in DejaVu Sans.
  func labelLength(_ tokens: [String]) -> Double {
    0.15 + 0.08 * Double(min(24, tokens.map(\.count).max() ?? 1))
  }
  let margins = (left: 0.8 + labelLength(queries), right: 0.7, top: 0.45, bottom: 0.5 + labelLength(keys))
  let colorbarPad: Double? = sharedColorbar ? 0.4 : nil
  let cellAspect = Double(queries.count) / Double(keys.count)
  func fit(panel: Double) -> FigureFit {
    FigureSize.fitting(
      rows: rows, columns: columns, cellAspect: cellAspect, panelWidth: panel, margins: margins,
      colorbarPad: colorbarPad)
  }
  // The width grows linearly with the panel, so two sizes give the largest.
  let slope = fit(panel: 2).size.width - fit(panel: 1).size.width
  let largestPanel = 1 + (48 - fit(panel: 1).size.width) / slope
  let panel = min(max(2.5, 0.2 * Double(keys.count)), largestPanel)
  return (panel, fit(panel: panel))
}
