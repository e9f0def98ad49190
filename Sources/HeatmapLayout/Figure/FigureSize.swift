/// The size of a whole figure in inches, as matplotlib's `figsize`.
public struct FigureSize: Sendable, Equatable {
  /// The width in inches.
  public var width: Double
  /// The height in inches.
  public var height: Double

  public init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  /// The size `show_heatmaps` uses in Dive into Deep Learning: 2.5 × 2.5 inches.
  public static let d2lDefault = FigureSize(width: 2.5, height: 2.5)
}
