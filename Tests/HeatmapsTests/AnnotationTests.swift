import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct AnnotationTests {
  /// WCAG relative luminance, written out independently of the library.
  func luminance(_ color: RGB) -> Double {
    let channels = [color.red, color.green, color.blue].map { c in
      c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
  }

  /// Cell texts take the place of the values, each in its own cell, at
  /// one font size that fits the widest; a count that is not one per cell is refused.
  @Test func cellTextsAreWrittenInTheirCells() throws {
    let matrices = randomTensor([2, 3, 4, 5], seed: 7)
    var figure = try HeatmapFigure(matrices: matrices, figsize: FigureSize(width: 12, height: 6), annotate: true)
    let texts = (0..<matrices.count).map { ["sink", "prev", "", "broad"][$0 % 4] + ($0 % 7 == 0 ? "" : "\($0)") }
    #expect(throws: HeatmapError.cellTextCount(texts: 3, cells: matrices.count)) {
      try figure.setCellTexts(Array(texts.prefix(3)))
    }
    try figure.setCellTexts(texts)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    #expect(layout.panels.count == 6)
    for panel in layout.panels {
      #expect(panel.annotations.count == 20)
      #expect(Set(panel.annotations.map(\.fontSize)).count == 1)
      let start = (panel.row * 3 + panel.column) * 20
      for text in panel.annotations {
        let column = Int((text.bounds.midX - panel.frame.minX) / (panel.frame.width / 5))
        let row = Int((text.bounds.midY - panel.frame.minY) / (panel.frame.height / 4))
        #expect(text.string == texts[start + row * 5 + column])
        #expect(text.bounds.width <= panel.frame.width / 5)
      }
    }
  }

  @Test func valuesAreCentredAndContrastWithTheirCell() throws {
    var matrices = randomTensor([1, 2, 5, 7], seed: 31)
    matrices.scalars[3] = .nan
    let figure = try HeatmapFigure(
      matrices: matrices, figsize: FigureSize(width: 10, height: 4), annotate: true)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    let range = figure.valueRanges()[0]
    let dark = RGB(red: 38 / 255.0, green: 38 / 255.0, blue: 38 / 255.0)
    var seenDark = false
    var seenLight = false
    for panel in layout.panels {
      let cellWidth = panel.frame.width / 7
      let cellHeight = panel.frame.height / 5
      let expectedCount = (0..<35).filter { matrices.scalars[panel.column * 35 + $0].isFinite }.count
      #expect(panel.annotations.count == expectedCount)
      for text in panel.annotations {
        let column = Int((text.bounds.midX - panel.frame.minX) / cellWidth)
        let row = Int((text.bounds.midY - panel.frame.minY) / cellHeight)
        #expect(abs(text.bounds.midX - (panel.frame.minX + (Double(column) + 0.5) * cellWidth)) < 1e-9)
        #expect(abs(text.bounds.midY - (panel.frame.minY + (Double(row) + 0.5) * cellHeight)) < 1e-9)
        let value = matrices[0, panel.column, row, column]
        #expect(text.string == cFormat("%.2f", Double(value)))
        let cell = figure.colormap.table[min(Int(range.normalized(Double(value)) * 256), 255)]
        let expectDark = luminance(cell) > 0.408
        #expect(text.color == (expectDark ? dark : RGB(red: 1, green: 1, blue: 1)), "value \(value)")
        if expectDark { seenDark = true } else { seenLight = true }
      }
    }
    #expect(seenDark && seenLight)
  }

  /// Weights in 0...1 written with fewer than two decimals would read as
  /// "0" and "1" (or "0.1" for everything): they keep two or are left out.
  @Test func weightsKeepTwoDecimalsOrAreNotWritten() throws {
    let weights = randomTensor([12, 12], in: 0...1, seed: 34)
    for size in [2.0, 2.6, 3.2, 4.0, 9.0] {
      let layout = layoutFigure(
        try HeatmapFigure(matrices: weights, figsize: FigureSize(width: size, height: size), annotate: true),
        measurer: PangoTextMeasurer())
      for text in layout.panels[0].annotations {
        #expect(text.string.split(separator: ".").last?.count == 2, "\(text.string) at figsize \(size)")
      }
      if layout.panels[0].annotations.isEmpty { #expect(layout.notes.contains { $0.contains("too small") }) }
    }
  }

  @Test func smallCellsGetFewerDigitsAndTinyCellsNone() throws {
    let matrices = randomTensor([9, 9], in: -1...1, seed: 32)
    let roomy = layoutFigure(
      try HeatmapFigure(matrices: matrices, figsize: FigureSize(width: 9, height: 8), annotate: true),
      measurer: PangoTextMeasurer())
    func decimals(_ text: String) -> Int {
      text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0
    }
    #expect(roomy.panels[0].annotations.allSatisfy { decimals($0.string) == 2 })
    #expect(roomy.panels[0].annotations.allSatisfy { $0.fontSize == 10 })
    let snug = layoutFigure(
      try HeatmapFigure(matrices: matrices, figsize: FigureSize(width: 3, height: 3), annotate: true),
      measurer: PangoTextMeasurer())
    let digits = snug.panels[0].annotations.map { decimals($0.string) }
    #expect(!digits.isEmpty && digits.allSatisfy { $0 < 2 })
    #expect(snug.notes.contains { $0.contains("decimal") })
    for text in snug.panels[0].annotations {
      #expect(text.bounds.width <= snug.panels[0].frame.width / 9)
    }
    let tiny = layoutFigure(
      try HeatmapFigure(matrices: randomTensor([60, 60], seed: 33), annotate: true),
      measurer: PangoTextMeasurer())
    #expect(tiny.panels[0].annotations.isEmpty)
    #expect(tiny.notes.contains { $0.contains("too small") })
  }

  @Test func negativeZeroIsWrittenWithoutSign() {
    let format = AnnotationFormat(fontSize: 10, decimals: 2)
    #expect(format.text(for: -0.001) == "0.00")
    #expect(format.text(for: -0.25) == "\u{2212}0.25")
    #expect(format.text(for: 0.125) == "0.12")
  }
}
