import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// Ticks as matplotlib 3.11 places them for `show_heatmaps` of one n×n matrix
/// at figsize 2.5 (`ax.get_xticks()`, `ax.get_yticks()`, restricted to the
/// view -0.5...n-0.5), then kept where they fall on a cell centre: for n = 7
/// matplotlib's x ticks are 0, 2.5, 5 and 2.5 names no cell.
@Suite struct TickTests {
  static let matplotlibTicks: [(size: Int, x: [Int], y: [Int])] = [
    (10, [0, 5], [0, 2, 4, 6, 8]),
    (7, [0, 5], [0, 2, 4, 6]),
    (128, [0, 50, 100], [0, 50, 100]),
    (5, [0, 2, 4], [0, 1, 2, 3, 4]),
  ]

  @Test(arguments: matplotlibTicks.indices)
  func panelTicksMatchMatplotlib(index: Int) throws {
    let reference = Self.matplotlibTicks[index]
    let figure = try HeatmapFigure(
      matrices: randomTensor([reference.size, reference.size], seed: UInt64(index)), xlabel: "Keys",
      ylabel: "Queries", keepsTextInside: false)
    let panel = layoutFigure(figure, measurer: PangoTextMeasurer()).panels[0]
    #expect(panel.xTicks.map { Int($0.value) } == reference.x)
    #expect(panel.yTicks.map { Int($0.value) } == reference.y)
    #expect(panel.xTicks.compactMap { $0.label?.string } == reference.x.map(String.init))
    #expect(panel.yTicks.compactMap { $0.label?.string } == reference.y.map(String.init))
    // Ticks sit on cell centres: cell i spans [i, i + 1) / n of the frame.
    for tick in panel.xTicks {
      let expected = panel.frame.minX + (tick.value + 0.5) * panel.frame.width / Double(reference.size)
      #expect(abs(tick.mark.start.x - expected) < 1e-9)
    }
  }

  /// Visible colorbar tick labels and offset text from matplotlib 3.11 for
  /// `show_heatmaps` of `np.linspace(lower, upper, 100)` at figsize 2.5
  /// (`cbar.ax.get_yticklabels()`, `cbar.ax.yaxis.get_offset_text()`).
  static let matplotlibColorbars: [(lower: Double, upper: Double, labels: [String], offset: String)] = [
    (0.0, 1.0, ["0.00", "0.25", "0.50", "0.75", "1.00"], ""),
    (0.012101415672192695, 0.9995013522570269, ["0.25", "0.50", "0.75"], ""),
    (1e-6, 5e-6, ["2", "4"], "1e−6"),
    (1000.1, 1000.5, ["0.1", "0.2", "0.3", "0.4", "0.5"], "+1e3"),
    (-3.0, 2.0, ["−2", "0", "2"], ""),
    (0.0, 40000.0, ["0", "10000", "20000", "30000", "40000"], ""),
    (-0.5, -0.25, ["−0.5", "−0.4", "−0.3"], ""),
    (0.0031, 0.0047, ["0.0035", "0.0040", "0.0045"], ""),
    (0, 2e7, ["0.0", "0.5", "1.0", "1.5", "2.0"], "1e7"),
  ]

  @Test(arguments: matplotlibColorbars.indices)
  func colorbarLabelsMatchMatplotlib(index: Int) throws {
    let reference = Self.matplotlibColorbars[index]
    var figure = try HeatmapFigure(matrices: Tensor.eye(3), keepsTextInside: false)
    try figure.setLimits(vmin: Float(reference.lower), vmax: Float(reference.upper))
    // Float32 limits would move the ends; lay the bar out with the exact range.
    let engine = LayoutEngine(figure: figure, measurer: PangoTextMeasurer())
    let frame = Rect(minX: 141.075, minY: 49.32, width: 0.0231 * 180, height: 0.462 * 180)
    let colorbar = engine.colorbar(
      frame: frame, range: ValueRange(lower: reference.lower, upper: reference.upper))
    #expect(colorbar.ticks.compactMap { $0.label?.string } == reference.labels)
    #expect((colorbar.offsetText?.string ?? "") == reference.offset)
    for tick in colorbar.ticks {
      let fraction = (tick.value - reference.lower) / (reference.upper - reference.lower)
      #expect(abs(tick.mark.start.y - (frame.maxY - fraction * frame.height)) < 1e-9)
    }
  }

  @Test func tokenLabelsAreThinnedToEveryKthWhenTheyWouldCollide() throws {
    let size = 41
    let tokens = (0..<size).map { "tok\($0)" }
    let measurer = PangoTextMeasurer()
    for figsize in [
      FigureSize(width: 3, height: 3), FigureSize(width: 5, height: 4), FigureSize(width: 14, height: 14),
    ] {
      let figure = try HeatmapFigure(
        matrices: randomTensor([size, size], seed: 4), figsize: figsize, xTickLabels: tokens,
        yTickLabels: tokens)
      let layout = layoutFigure(figure, measurer: measurer)
      let panel = layout.panels[0]
      let lineHeight = tokens.map { measurer.metrics(of: $0, fontSize: 10).height }.max()!
      for (ticks, pitch) in [
        (panel.xTicks, panel.frame.width / Double(size)), (panel.yTicks, panel.frame.height / Double(size)),
      ] {
        let cells = ticks.map { Int($0.value) }
        let every = cells.count > 1 ? cells[1] - cells[0] : size
        #expect(cells == Array(stride(from: 0, to: size, by: every)))
        #expect(ticks.allSatisfy { $0.label?.string == tokens[Int($0.value)] })
        // Thinned as little as possible: one step less would collide.
        #expect(Double(every) * pitch >= lineHeight + 1 - 1e-9)
        if every > 1 { #expect(Double(every - 1) * pitch < lineHeight + 1) }
        let boxes = ticks.compactMap { $0.label?.bounds }
        for (a, b) in zip(boxes, boxes.dropFirst()) { #expect(!a.intersects(b)) }
      }
      #expect(panel.xTicks.allSatisfy { $0.label?.rotation == .vertical })
      let thinned = panel.xTicks.count < size || panel.yTicks.count < size
      #expect(layout.notes.contains { $0.contains("tick labels") } == thinned)
    }
  }

  @Test func numericTickLabelsNeverOverlap() throws {
    let figure = try HeatmapFigure(matrices: randomTensor([6, 12, 128, 128], seed: 1), xlabel: "Keys")
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    for panel in layout.panels {
      for ticks in [panel.xTicks, panel.yTicks] {
        let boxes = ticks.compactMap { $0.label?.bounds }
        for (a, b) in zip(boxes, boxes.dropFirst()) { #expect(!a.intersects(b)) }
      }
    }
    // Tiny panels: the per-column "Keys" would overprint, so one label spans the row.
    #expect(layout.panels.compactMap(\.xlabel).count == 1)
  }
}
