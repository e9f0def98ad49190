import Heatmaps

extension HeatmapFigure {
  /// Draws the figure as differences: on `colormap` (matplotlib's RdBu_r,
  /// blue below 0 and red above, by default), with limits symmetric about 0
  /// at the largest finite magnitude, so that 0 is the middle colour.
  ///
  /// - Parameters:
  ///   - colormap: nil keeps the figure's colormap.
  ///   - label: the scale's label, e.g. "A − B".
  public mutating func useDifferenceScale(
    colormap: Colormap? = Colormap.rdBu.reversed(), label: String? = nil
  ) throws {
    if let colormap { self.colormap = colormap }
    if let label { colorbarLabel = label }
    let largest = max(matrices.scalars.lazy.filter(\.isFinite).map(abs).max() ?? 0, 1e-6)
    try setLimits(vmin: -largest, vmax: largest)
  }
}
