/// An axis-aligned rectangle on the figure in points, origin at the top-left
/// corner of the figure, y growing downwards.
public struct Rect: Sendable, Equatable {
  public var minX: Double
  public var minY: Double
  public var width: Double
  public var height: Double

  public init(minX: Double, minY: Double, width: Double, height: Double) {
    self.minX = minX
    self.minY = minY
    self.width = width
    self.height = height
  }

  /// The rectangle spanning two corners given in any order.
  public init(spanning a: Point, _ b: Point) {
    self.init(minX: min(a.x, b.x), minY: min(a.y, b.y), width: abs(a.x - b.x), height: abs(a.y - b.y))
  }

  public var maxX: Double { minX + width }
  public var maxY: Double { minY + height }
  public var midX: Double { minX + width / 2 }
  public var midY: Double { minY + height / 2 }

  /// The smallest rectangle holding both.
  public func union(_ other: Rect) -> Rect {
    Rect(
      spanning: Point(x: min(minX, other.minX), y: min(minY, other.minY)),
      Point(x: max(maxX, other.maxX), y: max(maxY, other.maxY)))
  }

  /// Whether the two rectangles share more than an edge.
  public func intersects(_ other: Rect) -> Bool {
    minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
  }
}
