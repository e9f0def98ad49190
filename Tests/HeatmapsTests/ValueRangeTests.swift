import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct ValueRangeTests {
  /// The finite extremes of some Floats, in Float64.
  func reference(_ values: some Sequence<Float>) -> (Double, Double)? {
    let finite = values.filter(\.isFinite).map(Double.init)
    guard let lowest = finite.min(), let highest = finite.max() else { return nil }
    return (lowest, highest)
  }

  @Test func sharedScaleSpansEveryPanelAndSkipsMissingValues() throws {
    var matrices = randomTensor([3, 2, 5, 7], in: -2...9, seed: 21)
    var generator = SeededGenerator(seed: 5)
    for _ in 0..<20 {
      matrices.scalars[Int.random(in: 0..<matrices.count, using: &generator)] =
        [Float.nan, .infinity, -.infinity].randomElement(using: &generator)!
    }
    let figure = try HeatmapFigure(matrices: matrices)
    let (lower, upper) = try #require(reference(matrices.scalars))
    #expect(figure.valueRanges() == [ValueRange(lower: lower, upper: upper)])
  }

  @Test func perPanelScaleSpansEachPanel() throws {
    let matrices = randomTensor([2, 3, 5, 7], in: -1...1, seed: 22)
    let figure = try HeatmapFigure(matrices: matrices, colorScale: .perPanel)
    let ranges = figure.valueRanges()
    #expect(ranges.count == 6)
    for panel in 0..<6 {
      let (lower, upper) = try #require(reference(matrices.scalars[(panel * 35)..<((panel + 1) * 35)]))
      #expect(ranges[panel] == ValueRange(lower: lower, upper: upper))
      #expect(figure.valueRange(row: panel / 3, column: panel % 3, in: ranges) == ranges[panel])
    }
  }

  @Test func givenLimitsWinAndOneLimitCombinesWithTheData() throws {
    let matrices = randomTensor([4, 6], in: 2...3, seed: 23)
    let (lower, upper) = try #require(reference(matrices.scalars))
    #expect(
      try HeatmapFigure(matrices: matrices, vmin: 0, vmax: 10).valueRanges() == [
        ValueRange(lower: 0, upper: 10)
      ])
    #expect(
      try HeatmapFigure(matrices: matrices, vmin: 0).valueRanges() == [ValueRange(lower: 0, upper: upper)])
    #expect(
      try HeatmapFigure(matrices: matrices, vmax: 4).valueRanges() == [ValueRange(lower: lower, upper: 4)])
  }

  /// matplotlib's colorbar widens a one-value range by 10% each way (or to
  /// ±0.1 around zero), so a uniform map shows the colormap's middle colour.
  @Test func constantAndAllMissingMatrices() throws {
    let uniform = try HeatmapFigure(matrices: Tensor(repeating: 0.25, shape: [3, 3]))
    #expect(uniform.valueRanges() == [ValueRange(lower: 0.25 - 0.025, upper: 0.25 + 0.025)])
    let zeros = try HeatmapFigure(matrices: .zeros([3, 3]))
    #expect(zeros.valueRanges() == [ValueRange(lower: -0.1, upper: 0.1)])
    let missing = try HeatmapFigure(matrices: Tensor(repeating: .nan, shape: [2, 3]))
    #expect(missing.valueRanges() == [ValueRange(lower: 0, upper: 1)])
    let layout = layoutFigure(missing, measurer: PangoTextMeasurer())
    #expect(layout.panels[0].hasMissingValues)
    #expect(layout.notes.contains { $0.contains("NaN") })
    let (bytes, _) = try renderFigureData(missing, format: .png)
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
  }

  @Test func redsMatchesMatplotlibBytes() {
    // matplotlib 3.11: matplotlib.colormaps['Reds'](np.arange(256), bytes=True).
    let expected: [Int: (UInt8, UInt8, UInt8)] = [
      0: (255, 245, 240), 1: (254, 244, 239), 37: (253, 218, 202), 102: (251, 138, 106),
      128: (250, 105, 73), 200: (192, 21, 26), 238: (136, 8, 17), 254: (104, 0, 13), 255: (103, 0, 12),
    ]
    #expect(Colormap.reds.table.count == 256)
    for (entry, bytes) in expected {
      #expect(Colormap.reds.table[entry].bytes == bytes, "entry \(entry)")
    }
  }
}
