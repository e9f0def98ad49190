/// Where the grid of panels sits on the figure, as matplotlib's
/// `figure.subplot.*` settings: fractions of the figure's width and height,
/// `bottom` and `top` measured from the figure's bottom edge.
public struct SubplotParameters: Sendable, Equatable {
  public var left: Double
  public var right: Double
  public var bottom: Double
  public var top: Double
  /// The gap between columns, as a fraction of the mean column width.
  public var wspace: Double
  /// The gap between rows, as a fraction of the mean row height.
  public var hspace: Double

  public init(left: Double, right: Double, bottom: Double, top: Double, wspace: Double, hspace: Double) {
    self.left = left
    self.right = right
    self.bottom = bottom
    self.top = top
    self.wspace = wspace
    self.hspace = hspace
  }

  /// matplotlib's defaults.
  public static let matplotlib = SubplotParameters(
    left: 0.125, right: 0.9, bottom: 0.11, top: 0.88, wspace: 0.2, hspace: 0.2)
}
