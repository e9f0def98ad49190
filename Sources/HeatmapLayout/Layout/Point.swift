/// A position on the figure in points (1/72 inch), measured from its top-left
/// corner, y growing downwards.
public struct Point: Sendable, Equatable {
  public var x: Double
  public var y: Double

  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }
}
