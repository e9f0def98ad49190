import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct FigureSizeFittingTests {
  /// At the fitted size, matplotlib's geometry gives every panel the asked
  /// width and its full slot: the equal aspect leaves no slack on either axis;
  /// with margins in inches, the grid's box sits exactly that far in, and
  /// with a colorbar pad in inches the bar fills its slot at that distance.
  @Test(arguments: [(1, 1, 1.0), (6, 12, 1.0), (2, 3, 0.6), (5, 7, 1.7), (1, 13, 0.33)])
  func panelsFillTheirSlots(rows: Int, columns: Int, aspect: Double) {
    var generator = SeededGenerator(seed: UInt64(rows * 131 + columns))
    func draw(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &generator) }
    let panelWidth = draw(0.5...4.5)
    let margins = (left: draw(0.2...2), right: draw(0.2...2), top: draw(0.2...2), bottom: draw(0.2...2))
    let pad = draw(0.1...0.6)
    let cases: [(margins: (left: Double, right: Double, top: Double, bottom: Double)?, pad: Double?)] = [
      (nil, nil), (margins, nil), (margins, pad),
    ]
    for (margins, pad) in cases {
      let fit = FigureSize.fitting(
        rows: rows, columns: columns, cellAspect: aspect, panelWidth: panelWidth, margins: margins,
        colorbarPad: pad)
      let size = fit.size
      if let margins {
        #expect(abs(fit.parameters.left * size.width - margins.left) < 1e-9)
        #expect(abs((1 - fit.parameters.right) * size.width - margins.right) < 1e-9)
        #expect(abs((1 - fit.parameters.top) * size.height - margins.top) < 1e-9)
        #expect(abs(fit.parameters.bottom * size.height - margins.bottom) < 1e-9)
      } else {
        #expect(fit.parameters == .matplotlib)
      }
      var style = LayoutStyle.matplotlib
      style.colorbarFraction = fit.colorbarFraction
      style.colorbarPad = fit.colorbarPad
      for perPanel in pad == nil ? [false, true] : [false] {
        let grid = SubplotGrid(
          rows: rows, columns: columns, cellAspect: aspect, figureAspect: size.height / size.width,
          parameters: fit.parameters, colorbarPerPanel: perPanel, style: style)
        let slots = SubplotGrid.gridSlots(rows: rows, columns: columns, parameters: fit.parameters)
        for (panel, slot) in zip(grid.panels, slots) {
          let frame = panel.rect(figureWidth: size.width, figureHeight: size.height)
          #expect(abs(frame.width - panelWidth) < 1e-9)
          #expect(abs(frame.height - panelWidth * aspect) < 1e-9)
          #expect(abs(panel.height - slot.height) < 1e-12, "the panel leaves part of its slot's height empty")
        }
        if let pad, let margins {
          let bar = grid.colorbars[0].rect(figureWidth: size.width, figureHeight: size.height)
          let rightmostPanel = grid.panels.map { $0.rect(figureWidth: size.width, figureHeight: size.height).maxX }
            .max()!
          #expect(abs(bar.minX - rightmostPanel - pad) < 1e-9, "the bar sits \(pad) in from the grid")
          #expect(abs(bar.maxX - (size.width - margins.right)) < 1e-9, "the bar fills its slot")
          #expect(abs(bar.height / bar.width - style.colorbarAspect) < 1e-9)
        }
      }
    }
  }
}
