import Testing

@testable import HeatmapLayout
@testable import Heatmaps

// Gathered once with matplotlib 3.11.2 (scripts/colormap-test-facts.py, "entry index"):
// the entry ListedColormap(256 ramp colours)(x) picks, read back from the colour;
// nil where matplotlib returns its transparent "bad" colour.
private let entryFacts: [(x: Double, index: Int?)] = [
  (0.0, 0),
  (-0.0, 0),
  (1.0, 255),
  (0.9999999999999999, 255),
  (0.99609375, 255),
  (0.9960937499999999, 254),
  (0.00390625, 1),
  (0.0039062499999999996, 0),
  (0.5, 128),
  (0.49999999999999994, 127),
  (-1e-300, 0),
  (-0.5, 0),
  (1.0000000000000002, 255),
  (7.0, 255),
  (.infinity, 255),
  (-.infinity, 0),
  (.nan, nil),
]

@Suite struct ColormapLookupTests {
  @Test("a value picks the entry matplotlib picks, at the edges too")
  func valuePicksMatplotlibsEntry() {
    let colormap = Colormap.viridis
    for fact in entryFacts {
      #expect(colormap.index(at: fact.x) == fact.index, "x = \(fact.x)")
    }
    // The literals above must be the neighbours they stand for.
    #expect(entryFacts[3].x == 1.0.nextDown)
    #expect(entryFacts[5].x == (255.0 / 256).nextDown)
    #expect(entryFacts[7].x == (1.0 / 256).nextDown)
    #expect(entryFacts[9].x == 0.5.nextDown)
    #expect(entryFacts[12].x == 1.0.nextUp)
  }

  @Test("the middle of every entry's interval picks it, for tables of odd sizes")
  func intervalsPickTheirEntries() {
    for count in [1, 3, 7, 255, 257] {
      let table = (0..<count).map { RGB(red: Double($0), green: 0, blue: 0) }
      let colormap = Colormap(name: "index", table: table)
      for i in 0..<count {
        let middle = (Double(i) + 0.5) / Double(count)
        #expect(colormap.index(at: middle) == i, "\(count) entries, x = \(middle)")
      }
      #expect(colormap.index(at: 1) == count - 1)
    }
  }

  @Test("color(at:) is the table entry of index(at:), and the first entry for NaN")
  func colorFollowsIndex() {
    let colormap = Colormap.reds
    for x in [-3.0, 0, 0.2, 0.51, 0.999, 1, 2] {
      #expect(colormap.color(at: x) == colormap.table[colormap.index(at: x)!])
    }
    #expect(colormap.color(at: .nan) == colormap.table[0])
  }

  @Test("float32 values pick the same entry as matplotlib's float32 arithmetic")
  func float32ValuesPickTheSameEntry() {
    // matplotlib multiplies float32 data by N in float32; with N a power of two that is
    // exact, so converting to Float64 first can't change the entry.
    var generator = SystemRandomNumberGenerator()
    let colormap = Colormap.magma
    for _ in 0..<997 {
      let value = Float.random(in: -0.1...1.1, using: &generator)
      let scaled = value * 256
      let expected: Int = scaled < 0 ? 0 : scaled >= 256 ? 255 : Int(scaled)
      #expect(colormap.index(at: Double(value)) == expected, "x = \(value)")
    }
  }
}
