/// An sRGB colour with components in 0...1.
public struct RGB: Sendable, Equatable, Hashable {
  public var red: Double
  public var green: Double
  public var blue: Double

  public init(red: Double, green: Double, blue: Double) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// The colour as 8-bit components, truncated as matplotlib does when it
  /// converts a colormap's lookup table to bytes.
  public var bytes: (red: UInt8, green: UInt8, blue: UInt8) {
    (UInt8(red * 255), UInt8(green * 255), UInt8(blue * 255))
  }
}

/// A colormap: a lookup table of `entryCount` colours that maps 0...1 to a colour
/// the way matplotlib's `Colormap.__call__` does.
public struct Colormap: Sendable, Equatable {
  /// The name users pass on the command line, e.g. `Reds` or `viridis_r`.
  public let name: String
  /// The lookup table, low end first.
  public let table: [RGB]

  public init(name: String, table: [RGB]) {
    precondition(!table.isEmpty, "a colormap needs at least one colour")
    self.name = name
    self.table = table
  }

  /// The colour of a normalised value: `x` in 0...1 picks entry `floor(x * N)`,
  /// clamped to the table; NaN has no colour here (callers draw it as masked).
  public func color(at x: Double) -> RGB {
    let n = table.count
    let scaled = x * Double(n)
    let index: Int
    if scaled.isNaN || scaled < 0 {
      index = 0
    } else if scaled >= Double(n) {
      index = n - 1
    } else {
      index = Int(scaled)
    }
    return table[index]
  }

  /// The same colours in the opposite order, named with a `_r` suffix (or
  /// without it, when this map is already a reversal).
  public func reversed() -> Colormap {
    let reversedName = name.hasSuffix("_r") ? String(name.dropLast(2)) : name + "_r"
    return Colormap(name: reversedName, table: table.reversed())
  }
}
