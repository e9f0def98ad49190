import Heatmaps

/// Sizes a grid of attention maps over `tokens` for its labels: a fifth of
/// an inch a token, so that every token's label fits beside its row at 10
/// points, at least d2l's 2.5 inches a panel, at most a figure 48 inches
/// (4800 pixels at 100 dpi) wide. The margins, and a shared colorbar's slot,
/// are sized in inches rather than as fractions of a large figure, and the
/// height follows from the panels, so no band of the figure stays empty; the
/// layout still moves the grid in if a label sticks out.
package func fitModelFigure(_ figure: inout HeatmapFigure, rows: Int, columns: Int, tokens: [String]) {
  // Tick labels at 10 points run about 0.08 inch a character in DejaVu Sans.
  let labelLength = 0.15 + 0.08 * Double(min(24, tokens.map(\.count).max() ?? 1))
  let margins = (left: 0.8 + labelLength, right: 0.7, top: 0.45, bottom: 0.5 + labelLength)
  let colorbarPad: Double? = figure.colorScale == .shared ? 0.4 : nil
  func width(panel: Double) -> Double {
    FigureSize.fitting(
      rows: rows, columns: columns, panelWidth: panel, margins: margins, colorbarPad: colorbarPad
    ).size.width
  }
  // The width grows linearly with the panel, so two sizes give the largest.
  let slope = width(panel: 2) - width(panel: 1)
  let largestPanel = 1 + (48 - width(panel: 1)) / slope
  let panel = min(max(2.5, 0.2 * Double(tokens.count)), largestPanel)
  FigureSize.fitting(
    rows: rows, columns: columns, panelWidth: panel, margins: margins, colorbarPad: colorbarPad
  ).apply(to: &figure)
}
