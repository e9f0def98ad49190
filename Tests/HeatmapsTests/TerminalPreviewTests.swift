import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct TerminalPreviewTests {
  /// The (foreground, background) colours of each half-block character of a
  /// line, parsed from its escape codes.
  func blocks(_ line: Substring) -> [(top: [Int], bottom: [Int]?)] {
    var result: [(top: [Int], bottom: [Int]?)] = []
    var foreground: [Int] = []
    var background: [Int]? = nil
    var rest = line[...]
    while !rest.isEmpty {
      if rest.hasPrefix("\u{1B}[") {
        let end = rest.firstIndex(of: "m")!
        let codes = rest[rest.index(rest.startIndex, offsetBy: 2)..<end].split(separator: ";").map {
          Int($0)!
        }
        if codes.starts(with: [38, 2]) { foreground = Array(codes[2...]) }
        if codes.starts(with: [48, 2]) { background = Array(codes[2...]) }
        if codes == [49] || codes == [0] { background = nil }
        rest = rest[rest.index(after: end)...]
      } else {
        if rest.first == "\u{2580}" { result.append((foreground, background)) }
        rest = rest.dropFirst()
      }
    }
    return result
  }

  @Test func eachCellIsOneHalfBlockInItsColour() throws {
    let matrices = randomTensor([1, 2, 5, 7], seed: 41)
    let figure = try HeatmapFigure(
      matrices: matrices, xlabel: "Keys", ylabel: "Queries", titles: ["Head 1", "Head 2"])
    // 8 columns a panel: room for one block a cell, not for two.
    let preview = renderTerminalPreview(figure, columns: 18)
    #expect(preview.contains("Keys") && preview.contains("Queries") && preview.contains("Head 2"))
    let lines = preview.split(separator: "\n")
    let gridLines = lines.filter { $0.contains("\u{2580}") }
    #expect(gridLines.count == 3, "5 rows in 3 lines of two half blocks")
    let range = figure.valueRanges()[0]
    for (lineIndex, line) in gridLines.enumerated() {
      let cells = blocks(line)
      #expect(cells.count == 14)
      for (index, block) in cells.enumerated() {
        let (panel, column) = (index / 7, index % 7)
        for (row, color) in [(2 * lineIndex, block.top), (2 * lineIndex + 1, block.bottom)] where row < 5 {
          let value = Double(matrices[0, panel, row, column])
          let entry = min(Int((value - range.lower) / (range.upper - range.lower) * 256), 255)
          let bytes = figure.colormap.table[entry].bytes
          #expect(color == [Int(bytes.0), Int(bytes.1), Int(bytes.2)], "cell (\(row), \(column))")
        }
        if 2 * lineIndex + 1 >= 5 { #expect(block.bottom == nil) }
      }
    }
    let legend = try #require(lines.last { $0.contains(cFormat("%.4g", range.upper)) })
    #expect(legend.hasPrefix(Substring(cFormat("%.4g", range.lower))))
  }

  @Test func largeMatricesAreAveragedToFit() throws {
    let matrices = randomTensor([1, 1, 40, 90], seed: 42)
    let figure = try HeatmapFigure(matrices: matrices)
    let preview = renderTerminalPreview(figure, columns: 30)
    let gridLines = preview.split(separator: "\n").filter { $0.contains("\u{2580}") }
    let widths = gridLines.map { blocks($0).count }
    #expect(widths.allSatisfy { $0 == 30 }, "90 columns at 3 cells per block")
    #expect(gridLines.count == 7, "40 rows at 3 per block, two blocks per line")
    // The first block averages the top-left 3×3 cells.
    let range = figure.valueRanges()[0]
    let mean = (0..<3).flatMap { i in (0..<3).map { j in Double(matrices[0, 0, i, j]) } }.reduce(0, +) / 9
    let bytes = figure.colormap.color(at: range.normalized(mean)).bytes
    #expect(blocks(gridLines[0])[0].top == [Int(bytes.0), Int(bytes.1), Int(bytes.2)])
    #expect(preview.contains("3×3"))
  }

  @Test func smallMatricesAreEnlargedUpToFourBlocksACell() throws {
    let matrices = randomTensor([1, 1, 3, 5], seed: 43)
    let figure = try HeatmapFigure(matrices: matrices)
    for (columns, factor) in [(5, 1), (12, 2), (17, 3), (80, 4)] {
      let preview = renderTerminalPreview(figure, columns: columns)
      let gridLines = preview.split(separator: "\n").filter { $0.contains("\u{2580}") }
      #expect(gridLines.count == (3 * factor + 1) / 2, "columns \(columns)")
      let top = blocks(gridLines[0])
      #expect(top.count == 5 * factor, "columns \(columns)")
      let range = figure.valueRanges()[0]
      for column in 0..<5 {
        let bytes = figure.colormap.color(at: range.normalized(Double(matrices[0, 0, 0, column]))).bytes
        for copy in 0..<factor {
          #expect(top[column * factor + copy].top == [Int(bytes.0), Int(bytes.1), Int(bytes.2)])
        }
      }
    }
  }
}
