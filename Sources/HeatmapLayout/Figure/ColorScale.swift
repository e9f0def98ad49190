/// How values are mapped to colours across the panels of a figure.
public enum ColorScale: Sendable, Equatable {
  /// One range for every panel, from the smallest to the largest finite value
  /// of all panels, described by one colorbar beside the grid.
  case shared
  /// Each panel is scaled to its own finite values and gets its own colorbar.
  case perPanel
}
