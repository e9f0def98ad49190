import Testing

@testable import HeatmapLayout
@testable import Heatmaps

// Gathered once with matplotlib 3.11.2 (scripts/colormap-test-facts.py, "Normalize(vmin=-0.3,
// vmax=1.7)"): float32 data, Normalize(vmin=-0.3, vmax=1.7)(data) (float32) and the entry
// int(result * 256) matplotlib's colormaps pick; computing in Float64 would pick one lower.
private let float32Facts: [(value: Float, normalized: Float, entry: Int)] = [
  (0.7625, 0.53125, 136),
  (0.3015625, 0.30078125, 77),
  (0.7859375, 0.54296875, 139),
  (0.653125, 0.4765625, 122),
]

// Gathered once with matplotlib 3.11.2 (scripts/colormap-test-facts.py, "imshow-style"):
// data = numpy.ma.masked_invalid(float32 values), as imshow masks it; norm = Normalize();
// norm(data) autoscaled to vmin -0.9999920129776001, vmax 1.9999991655349731; then
// colormaps["viridis"](norm(data), bytes=True); entry -1 marks the transparent "bad" colour.
// The middle five round differently when the float32 result is rounded once instead of twice.
private let imshowFacts: [(value: Float, normalized: Float, entry: Int, bytes: [UInt8])] = [
  (-0.999992, 0.0, 0, [68, 1, 84]),
  (1.9999992, 1.0, 255, [253, 231, 36]),
  (1.7890623, 0.92968756, 238, [210, 225, 27]),
  (0.2070356, 0.40234375, 103, [41, 121, 142]),
  (1.6250002, 0.87500006, 224, [173, 220, 48]),
  (0.44141, 0.48046872, 122, [34, 138, 141]),
  (1.7421873, 0.9140625, 234, [199, 224, 31]),
  (0.5, 0.4999988, 127, [32, 143, 140]),
  (.nan, .nan, -1, [0, 0, 0]),
  (.infinity, .infinity, -1, [0, 0, 0]),
  (-.infinity, -.infinity, -1, [0, 0, 0]),
]

/// The value range maps data to 0...1 as matplotlib's `Normalize` does, in
/// Float64 for the colorbar and in float32, as NumPy rounds it, for cells.
@Suite struct ColormapNormalizationTests {
  @Test("Float64 values normalise as (value - lower) / (upper - lower), on random limits and data")
  func doubleNormalization() throws {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<31 {
      let a = Double.random(in: -50...50, using: &generator)
      let b = Double.random(in: -50...50, using: &generator)
      guard a != b else { continue }
      let range = ValueRange(lower: min(a, b), upper: max(a, b))
      for _ in 0..<13 {
        let value = Double.random(in: -80...80, using: &generator)
        // Reference: the affine map through (lower, 0) and (upper, 1), in the other order.
        let expected = value / (max(a, b) - min(a, b)) - min(a, b) / (max(a, b) - min(a, b))
        #expect(abs(range.normalized(value) - expected) <= 1e-12 * max(1, abs(expected)))
      }
    }
    let range = ValueRange(lower: 2, upper: 6)
    #expect(range.normalized(2.0) == 0 && range.normalized(6.0) == 1)
    #expect(range.normalized(7.0) == 1.25 && range.normalized(0.0) == -0.5)
  }

  @Test("float32 data normalises to matplotlib's float32 result and entry")
  func float32NormalizationMatchesMatplotlib() throws {
    let range = ValueRange(lower: -0.3, upper: 1.7)
    for fact in float32Facts {
      let normalized = range.normalized(fact.value)
      #expect(normalized == fact.normalized, "value \(fact.value)")
      #expect(Colormap.viridis.index(at: Double(normalized)) == fact.entry, "value \(fact.value)")
      // The Float64 formula lands on the other side of the boundary: the case this guards.
      #expect(Colormap.viridis.index(at: range.normalized(Double(fact.value))) == fact.entry - 1)
    }
  }

  @Test("cells take the entry matplotlib's imshow takes, not the Float64 formula's")
  func cellColorsFollowTheFloat32Rule() throws {
    let colors = CellColors(colormap: .viridis)
    let range = ValueRange(lower: -0.3, upper: 1.7)
    for fact in float32Facts {
      let (red, green, blue) = Colormap.viridis.table[fact.entry].bytes
      let expected = 0xFF00_0000 | UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue)
      #expect(colors.pixel(fact.value, in: range) == expected, "value \(fact.value)")
    }
  }

  @Test("autoscaled float32 data follows imshow from value to bytes")
  func imshowPipelineMatchesMatplotlib() throws {
    let finite = imshowFacts.map(\.value).filter(\.isFinite)
    let range = ValueRange.resolving(
      vmin: nil, vmax: nil, finiteExtrema: (finite.min()!, finite.max()!))
    #expect(range.lower == -0.9999920129776001)
    #expect(range.upper == 1.9999991655349731)
    let colors = CellColors(colormap: .viridis)
    for fact in imshowFacts {
      guard fact.value.isFinite else {
        #expect(fact.entry == -1)
        #expect(colors.pixel(fact.value, in: range) == 0, "missing values are transparent")
        continue
      }
      let normalized = range.normalized(fact.value)
      #expect(normalized == fact.normalized, "value \(fact.value)")
      let entry = try #require(Colormap.viridis.index(at: Double(normalized)))
      #expect(entry == fact.entry, "value \(fact.value)")
      let bytes = Colormap.viridis.table[entry].bytes
      #expect([bytes.red, bytes.green, bytes.blue] == fact.bytes, "value \(fact.value)")
      let pixel = colors.pixel(fact.value, in: range)
      #expect([UInt8(pixel >> 16 & 0xFF), UInt8(pixel >> 8 & 0xFF), UInt8(pixel & 0xFF)] == fact.bytes)
    }
    // The Float64 formula picks another entry for the middle five: the case this guards.
    for fact in imshowFacts[2...6] {
      #expect(Colormap.viridis.index(at: range.normalized(Double(fact.value))) != fact.entry)
    }
  }
}
