import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct ColorbarLabelTests {
  /// The label reads upwards right of the tick labels, centred on the bar,
  /// inside the figure, one per colorbar; none without a label.
  @Test(arguments: [ColorScale.shared, .perPanel])
  func labelSitsRightOfTheTickLabels(scale: ColorScale) throws {
    var figure = try HeatmapFigure(
      matrices: randomTensor([2, 2, 4, 6], seed: 3), figsize: FigureSize(width: 8, height: 6), colorScale: scale)
    let plain = layoutFigure(figure, measurer: PangoTextMeasurer())
    #expect(plain.colorbars.allSatisfy { $0.label == nil })
    figure.colorbarLabel = "‖α·f(x)‖"
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    #expect(layout.colorbars.count == (scale == .shared ? 1 : 4))
    for bar in layout.colorbars {
      let label = try #require(bar.label)
      #expect(label.string == "‖α·f(x)‖" && label.rotation == .vertical)
      let tickRight = bar.ticks.compactMap(\.label?.bounds.maxX).max()!
      #expect(label.bounds.minX > tickRight)
      #expect(abs(label.bounds.midY - bar.frame.midY) < 1e-9)
      #expect(layout.texts.contains { $0.string == label.string && $0.bounds == label.bounds })
    }
    #expect(layout.colorbars.allSatisfy { $0.label!.bounds.maxX <= figure.figsize.width * 72 + 1e-9 })
  }
}
