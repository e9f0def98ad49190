import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// The colour at `x` on the polyline through the stops, found the plain way: the
/// segment whose ends bracket `x`, then a weighted mean of its ends in Float64.
private func interpolated(_ stops: ColorStops, at x: Double) -> RGB {
  var upper = 1
  while upper < stops.positions.count - 1 && stops.positions[upper] < x { upper += 1 }
  let (x0, x1) = (stops.positions[upper - 1], stops.positions[upper])
  let (c0, c1) = (stops.colors[upper - 1], stops.colors[upper])
  let t = x1 == x0 ? 1 : (x - x0) / (x1 - x0)
  return RGB(
    red: (1 - t) * c0.red + t * c1.red,
    green: (1 - t) * c0.green + t * c1.green,
    blue: (1 - t) * c0.blue + t * c1.blue)
}

private func randomColor(using generator: inout some RandomNumberGenerator) -> RGB {
  RGB(
    red: .random(in: 0...1, using: &generator),
    green: .random(in: 0...1, using: &generator),
    blue: .random(in: 0...1, using: &generator))
}

@Suite struct ColormapStopsTests {
  @Test("a lookup table samples the polyline through the stops at i / (N - 1)")
  func lookupTableFollowsThePolyline() {
    var generator = SystemRandomNumberGenerator()
    for (stopCount, entryCount) in [(2, 3), (3, 17), (5, 101), (9, 256), (13, 255), (7, 2)] {
      // Uneven positions from 0 to 1, one of them repeated to make a sharp step.
      var inner = (0..<(stopCount - 2)).map { _ in Double.random(in: 0.01...0.99, using: &generator) }
        .sorted()
      if inner.count >= 2 { inner[1] = inner[0] }
      let positions = [0] + inner + [1]
      let colors = (0..<stopCount).map { _ in randomColor(using: &generator) }
      let stops = ColorStops(positions: positions, colors: colors)

      let table = stops.lookupTable(entryCount: entryCount)
      #expect(table.count == entryCount)
      #expect(table.first == colors.first)
      #expect(table.last == colors.last)
      for (i, color) in table.enumerated() {
        let expected = interpolated(stops, at: Double(i) / Double(entryCount - 1))
        #expect(abs(color.red - expected.red) <= 1e-12, "\(stopCount) stops, entry \(i) of \(entryCount)")
        #expect(abs(color.green - expected.green) <= 1e-12)
        #expect(abs(color.blue - expected.blue) <= 1e-12)
      }
    }
  }

  @Test("a one-entry table is the colour at x = 1, as matplotlib's convention has it")
  func oneEntryTableIsTheLastColour() {
    let stops = ColorStops(evenlySpaced: [.white, RGB(red: 0.5, green: 0.25, blue: 0.125)])
    #expect(stops.lookupTable(entryCount: 1) == [RGB(red: 0.5, green: 0.25, blue: 0.125)])
  }

  @Test("evenly spaced stops sit where numpy.linspace(0, 1, n) puts them")
  func evenlySpacedPositions() {
    // numpy.linspace(0, 1, 9) and (0, 1, 256)[:4], [-2:] from NumPy 2.4.
    #expect(ColorStops.linspace(count: 9) == [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1])
    let long = ColorStops.linspace(count: 256)
    #expect(Array(long.prefix(4)) == [0.0, 0.00392156862745098, 0.00784313725490196, 0.011764705882352941])
    #expect(Array(long.suffix(2)) == [0.996078431372549, 1.0])
  }

  @Test("reversing stops mirrors their positions about 0.5")
  func reversedStopsMirror() {
    let colors = [RGB.black, RGB(red: 1, green: 0, blue: 0), .white]
    let stops = ColorStops(positions: [0, 0.25, 1], colors: colors)
    let reversed = stops.reversed()
    #expect(reversed.positions == [0, 0.75, 1])
    #expect(reversed.colors == Array(colors.reversed()))
  }
}
