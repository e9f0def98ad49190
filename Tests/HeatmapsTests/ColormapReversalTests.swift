import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct ColormapReversalTests {
  @Test("a reversal holds the same colours in the opposite order", arguments: Colormap.builtIn)
  func reversalReversesTheTable(_ colormap: Colormap) throws {
    let reversed = try Colormap.named(colormap.name + "_r")
    #expect(reversed.name == colormap.name + "_r")
    #expect(reversed.table.count == colormap.table.count)
    // matplotlib interpolates a reversed ColorBrewer map from the reversed stops, which
    // may round the last bit differently; listed maps are reversed exactly.
    let tolerance = colormap.stops == nil ? 0 : 1e-15
    for (a, b) in zip(reversed.table, colormap.table.reversed()) {
      #expect(abs(a.red - b.red) <= tolerance)
      #expect(abs(a.green - b.green) <= tolerance)
      #expect(abs(a.blue - b.blue) <= tolerance)
    }
    #expect(colormap.reversed() == reversed)
    // Reversed twice, the stops' positions are 1 − (1 − x): exact for the
    // nine-stop maps (multiples of 1/8), within the last bit for RdBu's tenths.
    let twice = reversed.reversed()
    #expect(twice.name == colormap.name)
    for (a, b) in zip(twice.table, colormap.table) {
      #expect(abs(a.red - b.red) <= tolerance && abs(a.green - b.green) <= tolerance)
      #expect(abs(a.blue - b.blue) <= tolerance)
    }
    if colormap.stops?.positions.count != 11 { #expect(twice == colormap) }
  }

  // Gathered once with matplotlib 3.11.2 (scripts/colormap-test-facts.py, "entries whose
  // bytes differ"): the only entries where colormaps[name + "_r"] bytes differ from the
  // reversed bytes of colormaps[name]; matplotlib's value first, the reversed table's second.
  private let bytesThatDifferFromTheReversedTable:
    [(name: String, index: Int, matplotlib: [UInt8], reversedTable: [UInt8])] = [
      ("Blues_r", 165, [165, 204, 227], [165, 205, 227]),
      ("Greens_r", 34, [2, 110, 45], [2, 111, 45]),
      ("Greens_r", 85, [54, 160, 85], [55, 160, 85]),
      ("Oranges_r", 180, [253, 195, 142], [253, 196, 142]),
      ("RdBu_r", 170, [247, 183, 153], [247, 182, 152]),
      ("RdBu_r", 187, [234, 142, 112], [234, 141, 112]),
      ("RdBu_r", 210, [205, 79, 69], [205, 79, 68]),
    ]

  @Test("reversed ColorBrewer maps round to matplotlib's bytes where the plain reversal would not")
  func reversedStopsGiveMatplotlibsBytes() throws {
    for fact in bytesThatDifferFromTheReversedTable {
      let reversed = try Colormap.named(fact.name)
      let forward = try Colormap.named(String(fact.name.dropLast(2)))
      let ours = reversed.table[fact.index].bytes
      #expect([ours.red, ours.green, ours.blue] == fact.matplotlib, "\(fact.name)[\(fact.index)]")
      let plain = forward.table[forward.table.count - 1 - fact.index].bytes
      #expect([plain.red, plain.green, plain.blue] == fact.reversedTable, "\(fact.name)[\(fact.index)]")
    }
  }

  @Test("a table-only colormap reverses its table and its name both ways")
  func tableOnlyReversal() {
    let colors = (0..<7).map { RGB(red: Double($0) / 6, green: 0.25, blue: 1 - Double($0) / 6) }
    let colormap = Colormap(name: "ramp", table: colors)
    let reversed = colormap.reversed()
    #expect(reversed.name == "ramp_r")
    #expect(reversed.table == Array(colors.reversed()))
    #expect(reversed.reversed().name == "ramp")
    #expect(reversed.reversed().table == colors)
  }
}
