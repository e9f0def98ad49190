import Heatmaps

/// The size and subplot parameters for a grid of attention maps over
/// `tokens`: a fifth of an inch a token, so that every token's label fits
/// beside its row at 10 points, at least d2l's 2.5 inches a panel, at most a
/// figure 48 inches (4800 pixels at 100 dpi) wide. The margins are sized in
/// inches for the labels rather than as fractions of a large figure, and the
/// height follows from the panels, so no band of the figure stays empty; the
/// layout still moves the grid in if a label sticks out.
func fitModelFigure(_ figure: inout HeatmapFigure, rows: Int, columns: Int, tokens: [String]) {
  // Tick labels at 10 points run about 0.08 inch a character in DejaVu Sans.
  let labelLength = 0.15 + 0.08 * Double(min(24, tokens.map(\.count).max() ?? 1))
  let margins = (left: 0.8 + labelLength, right: 0.7, top: 0.45, bottom: 0.5 + labelLength)
  let grid = FigureSize.fitting(rows: rows, columns: columns, panelWidth: 1)
  let gridWidthPerPanel = grid.size.width * (grid.parameters.right - grid.parameters.left)
  let largestPanel = (48 - margins.left - margins.right) / gridWidthPerPanel
  let panel = min(max(2.5, 0.2 * Double(tokens.count)), largestPanel)
  let fitted = FigureSize.fitting(rows: rows, columns: columns, panelWidth: panel, margins: margins)
  figure.figsize = fitted.size
  figure.subplotParameters = fitted.parameters
}
