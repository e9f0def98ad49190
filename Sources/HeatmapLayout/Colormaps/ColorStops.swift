/// Colours at increasing positions in 0...1, joined by straight lines: the
/// continuous case of matplotlib's `LinearSegmentedColormap` segment data.
struct ColorStops: Sendable, Equatable {
  /// Where each colour sits, from 0 to 1, nondecreasing.
  let positions: [Double]
  let colors: [RGB]

  init(positions: [Double], colors: [RGB]) {
    precondition(positions.count == colors.count, "one position per colour")
    precondition(positions.count >= 2, "at least two colour stops")
    precondition(positions.first == 0 && positions.last == 1, "stops must start at 0 and end at 1")
    precondition(zip(positions, positions.dropFirst()).allSatisfy { $0 <= $1 }, "positions must not decrease")
    self.positions = positions
    self.colors = colors
  }

  /// Evenly spaced stops, as `LinearSegmentedColormap.from_list` places them.
  init(evenlySpaced colors: [RGB]) {
    self.init(positions: Self.linspace(count: colors.count), colors: colors)
  }

  /// The stops mirrored about 0.5, as matplotlib reverses segment data:
  /// position `x` becomes `1 - x`, in reverse order.
  func reversed() -> ColorStops {
    ColorStops(positions: positions.reversed().map { 1 - $0 }, colors: colors.reversed())
  }

  /// The lookup table of `entryCount` colours sampled at `i / (entryCount - 1)`.
  ///
  /// Follows matplotlib's `_create_lookup_table` operation for operation, so the
  /// Float64 results agree to the bit: positions and samples are both scaled by
  /// `entryCount - 1` before the interpolation weight is taken.
  func lookupTable(entryCount: Int) -> [RGB] {
    precondition(entryCount >= 1, "a lookup table needs at least one entry")
    // matplotlib's convention for a one-entry table: the colour at x = 1.
    if entryCount == 1 { return [colors[colors.count - 1]] }

    let scale = Double(entryCount - 1)
    let scaledPositions = positions.map { $0 * scale }  // [stops]
    let samples = Self.linspace(count: entryCount).map { scale * $0 }  // [entryCount]

    var table = [RGB](repeating: RGB(red: .nan, green: .nan, blue: .nan), count: entryCount)
    table[0] = colors[0]
    table[entryCount - 1] = colors[colors.count - 1]
    var upper = 1
    for i in 1..<(entryCount - 1) {
      let sample = samples[i]
      // numpy.searchsorted(side="left"): the first stop at or beyond the sample;
      // samples increase, so the search resumes where the last one stopped.
      while scaledPositions[upper] < sample { upper += 1 }
      let lower = upper - 1
      let distance = (sample - scaledPositions[lower]) / (scaledPositions[upper] - scaledPositions[lower])
      let a = colors[lower]
      let b = colors[upper]
      table[i] = RGB(
        red: Self.clipped(distance * (b.red - a.red) + a.red),
        green: Self.clipped(distance * (b.green - a.green) + a.green),
        blue: Self.clipped(distance * (b.blue - a.blue) + a.blue)
      )
    }
    return table
  }

  /// `numpy.linspace(0, 1, count)`: `i * (1 / (count - 1))`, last set to exactly 1.
  static func linspace(count: Int) -> [Double] {
    guard count > 1 else { return [Double](repeating: 0, count: count) }
    let step = 1.0 / Double(count - 1)
    var values = (0..<count).map { Double($0) * step }
    values[count - 1] = 1
    return values
  }

  private static func clipped(_ value: Double) -> Double {
    min(max(value, 0), 1)
  }
}
