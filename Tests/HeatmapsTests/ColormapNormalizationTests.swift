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

@Suite struct ColormapNormalizationTests {
  @Test("Float64 values normalise as (value - vmin) / (vmax - vmin), on random limits and data")
  func doubleNormalization() throws {
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<31 {
      let a = Double.random(in: -50...50, using: &generator)
      let b = Double.random(in: -50...50, using: &generator)
      let normalization = try Normalization(vmin: min(a, b), vmax: max(a, b))
      for _ in 0..<13 {
        let value = Double.random(in: -80...80, using: &generator)
        // Reference: the affine map through (vmin, 0) and (vmax, 1), in the other order.
        let expected = value / (max(a, b) - min(a, b)) - min(a, b) / (max(a, b) - min(a, b))
        #expect(abs(normalization.normalized(value) - expected) <= 1e-12 * max(1, abs(expected)))
      }
    }
    #expect(try Normalization(vmin: 2, vmax: 6).normalized(2.0) == 0)
    #expect(try Normalization(vmin: 2, vmax: 6).normalized(6.0) == 1)
    #expect(try Normalization(vmin: 2, vmax: 6).normalized(7.0) == 1.25)
    #expect(try Normalization(vmin: 2, vmax: 6).normalized(0.0) == -0.5)
    #expect(Normalization.normalized(5, vmin: 4, vmax: 8) == 0.25)
  }

  @Test("equal limits map every value to 0, as matplotlib's Normalize does")
  func equalLimitsGiveZero() throws {
    let normalization = try Normalization(vmin: 3, vmax: 3)
    for value in [-1e9, 0, 3, 4, 1e9] {
      #expect(normalization.normalized(value) == 0)
      #expect(normalization.normalized(Float(value)) == 0)
      #expect(Normalization.normalized(value, vmin: 3, vmax: 3) == 0)
    }
  }

  @Test("float32 data normalises to matplotlib's float32 result and entry")
  func float32NormalizationMatchesMatplotlib() throws {
    let normalization = try Normalization(vmin: -0.3, vmax: 1.7)
    for fact in float32Facts {
      let normalized = normalization.normalized(fact.value)
      #expect(normalized == fact.normalized, "value \(fact.value)")
      #expect(Colormap.viridis.index(at: Double(normalized)) == fact.entry, "value \(fact.value)")
      // The Float64 formula lands on the other side of the boundary: the case this guards.
      #expect(Colormap.viridis.index(at: normalization.normalized(Double(fact.value))) == fact.entry - 1)
    }
  }

  @Test("autoscaled float32 data follows imshow from value to bytes")
  func imshowPipelineMatchesMatplotlib() throws {
    let normalization = try Normalization(autoscalingTo: imshowFacts.map(\.value))
    #expect(normalization.vmin == -0.9999920129776001)
    #expect(normalization.vmax == 1.9999991655349731)
    for fact in imshowFacts {
      let normalized = normalization.normalized(fact.value)
      guard fact.value.isFinite else {
        #expect(fact.entry == -1)
        continue
      }
      #expect(normalized == fact.normalized, "value \(fact.value)")
      let entry = try #require(Colormap.viridis.index(at: Double(normalized)))
      #expect(entry == fact.entry, "value \(fact.value)")
      let bytes = Colormap.viridis.table[entry].bytes
      #expect([bytes.red, bytes.green, bytes.blue] == fact.bytes, "value \(fact.value)")
    }
    // The Float64 formula picks another entry for the middle five: the case this guards.
    for fact in imshowFacts[2...6] {
      #expect(Colormap.viridis.index(at: normalization.normalized(Double(fact.value))) != fact.entry)
    }
  }

  @Test("autoscaling fills only the missing limit and skips NaN and infinities")
  func autoscalingFillsMissingLimits() throws {
    let values: [Float] = [.nan, 3, -2.5, .infinity, 7.25, -.infinity, 0]
    #expect(try Normalization(autoscalingTo: values) == Normalization(vmin: -2.5, vmax: 7.25))
    #expect(try Normalization(vmin: -10, autoscalingTo: values) == Normalization(vmin: -10, vmax: 7.25))
    #expect(try Normalization(vmax: 10, autoscalingTo: values) == Normalization(vmin: -2.5, vmax: 10))
    #expect(try Normalization(vmin: 1, vmax: 2, autoscalingTo: values) == Normalization(vmin: 1, vmax: 2))
    #expect(try Normalization(autoscalingTo: [Float]()) == Normalization(vmin: 0, vmax: 0))
    #expect(try Normalization(vmin: 4, autoscalingTo: [Float.nan]) == Normalization(vmin: 4, vmax: 4))
    #expect(try Normalization(vmax: 4, autoscalingTo: [Float.nan]) == Normalization(vmin: 4, vmax: 4))
  }

  @Test("inverted or non-finite limits throw errors that name them")
  func badLimitsThrow() {
    #expect(throws: NormalizationError.invertedLimits(vmin: 2, vmax: 1)) {
      try Normalization(vmin: 2, vmax: 1)
    }
    // Only vmax given, below all the data: matplotlib raises here too.
    #expect(throws: NormalizationError.invertedLimits(vmin: 5, vmax: 1)) {
      try Normalization(vmax: 1, autoscalingTo: [5, 6] as [Float])
    }
    #expect(throws: NormalizationError.nonFiniteLimit(name: "vmin", value: -.infinity)) {
      try Normalization(vmin: -.infinity, vmax: 1)
    }
    #expect(throws: NormalizationError.nonFiniteLimit(name: "vmax", value: .infinity)) {
      try Normalization(vmin: 0, vmax: .infinity)
    }
    #expect(throws: NormalizationError.self) { try Normalization(vmin: .nan, vmax: 1) }
    #expect(
      NormalizationError.invertedLimits(vmin: 2, vmax: 1).description
        == "colour limits are inverted: vmin 2.0 is greater than vmax 1.0")
    #expect(
      NormalizationError.nonFiniteLimit(name: "vmax", value: .nan).description
        == "colour limit vmax must be a finite number, not nan")
  }
}
