/// A colormap: a lookup table of `entryCount` colours that maps 0...1 to a colour
/// the way matplotlib's `Colormap.__call__` does.
///
/// Values below 0 take the first entry and values above 1 the last (matplotlib's
/// default "under" and "over" colours); NaN is matplotlib's "bad" value, which it
/// draws fully transparent (see `index(at:)`).
public struct Colormap: Sendable {
  /// The name users pass on the command line, e.g. `Reds` or `viridis_r`.
  public let name: String
  /// The lookup table, low end first.
  public let table: [RGB]
  /// The stops the table was interpolated from, kept because matplotlib builds a
  /// reversed map by interpolating the reversed stops, which differs from the
  /// reversed table in the last bit of some entries (and so in some bytes).
  let stops: ColorStops?

  public init(name: String, table: [RGB]) {
    precondition(!table.isEmpty, "a colormap needs at least one colour")
    self.name = name
    self.table = table
    self.stops = nil
  }

  /// A colormap whose table is sampled from colour stops the way matplotlib's
  /// `LinearSegmentedColormap` samples its segment data.
  init(name: String, stops: ColorStops, entryCount: Int = 256) {
    self.name = name
    self.table = stops.lookupTable(entryCount: entryCount)
    self.stops = stops
  }

  /// The number of colours in the lookup table (matplotlib's `N`).
  public var entryCount: Int { table.count }

  /// The lookup-table entry of a normalised value, or nil for NaN.
  ///
  /// As in matplotlib: `x * N` truncated toward zero; values below 0 take the
  /// first entry and values from 1 up the last (matplotlib treats exactly 1 as
  /// in range and anything above as "over", but both get the last colour).
  /// nil means matplotlib's "bad" colour, transparent black: leave such cells
  /// undrawn. A `Float` converts to `Double` exactly and `x * N` is exact for
  /// a power-of-two `N`, so this also matches matplotlib on float32 data.
  public func index(at x: Double) -> Int? {
    if x.isNaN { return nil }
    let n = Double(table.count)
    let scaled = x * n
    if scaled < 0 { return 0 }
    if scaled >= n { return table.count - 1 }
    return Int(scaled)
  }

  /// The colour of a normalised value (see `index(at:)`).
  ///
  /// NaN gets the first entry here; where data can hold NaN, use `index(at:)`
  /// to leave those cells transparent as matplotlib does.
  public func color(at x: Double) -> RGB {
    table[index(at: x) ?? 0]
  }

  /// The same colours in the opposite order, named with a `_r` suffix (or
  /// without it, when this map is already a reversal).
  ///
  /// A map built from colour stops is rebuilt from the reversed stops, as
  /// matplotlib's `LinearSegmentedColormap.reversed` does.
  public func reversed() -> Colormap {
    let reversedName = name.hasSuffix("_r") ? String(name.dropLast(2)) : name + "_r"
    if let stops {
      return Colormap(name: reversedName, stops: stops.reversed(), entryCount: table.count)
    }
    return Colormap(name: reversedName, table: table.reversed())
  }
}

extension Colormap: Equatable {
  /// Two colormaps are equal when their names and tables are; how a table was
  /// made doesn't matter.
  public static func == (lhs: Colormap, rhs: Colormap) -> Bool {
    lhs.name == rhs.name && lhs.table == rhs.table
  }
}
