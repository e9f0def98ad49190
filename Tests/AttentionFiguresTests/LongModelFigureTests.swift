import AttentionCore
import AttentionTestSupport
import Heatmaps
import Testing
import TransformerModels

@testable import AttentionFigures

/// A long run's figure against the full run's maps: exact cells where they
/// are larger than pixels, means of the tokens they cover where not.
@Suite struct LongModelFigureTests {
  let model: any AttentionModel
  let encoding: Encoding
  let full: ModelAttention

  init() throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    tiny.seed = 41
    model = try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-long-figure"))
    var random = BertTestRandom(seed: 9)
    let ids = (0..<203).map { _ in Int(random.next() % UInt64(TinyLlama.tokens.count)) }
    encoding = Encoding(
      tokens: ids.map { TinyLlama.tokens[$0] }, ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: ids.count)
    full = try model.run(encoding, options: RunOptions()).attention
  }

  private func fullWeight(layer: Int, head: Int, row: Int, column: Int) -> Float {
    let count = full.tokens.count
    return full.attentions.scalars[((layer * full.headCount + head) * count + row) * count + column]
  }

  /// A crop small enough for a cell a token: the full maps' crop, masked past
  /// the diagonal, with the tokens as ticks.
  @Test func aCropWithCellsLargerThanPixelsIsExact() throws {
    let recording = try model.record(encoding)
    let (rows, columns) = (150..<171, 140..<163)
    let figure = try LongModelFigure(recording, rows: rows, columns: columns)
    #expect(!figure.pooled)
    let heatmap = figure.heatmap
    #expect(heatmap.matrices.shape == [full.layerCount, full.headCount, rows.count, columns.count])
    #expect(heatmap.xTickLabels == Array(encoding.tokens[columns]))
    #expect(heatmap.yTickLabels == Array(encoding.tokens[rows]))
    #expect(heatmap.missingCellName == "masked")
    var index = 0
    for layer in 0..<full.layerCount {
      for head in 0..<full.headCount {
        for row in rows {
          for column in columns {
            let drawn = heatmap.matrices.scalars[index]
            if column > row {
              #expect(drawn.isNaN, "\(layer).\(head) \(row), \(column) is not masked")
            } else {
              #expect(drawn == fullWeight(layer: layer, head: head, row: row, column: column))
            }
            index += 1
          }
        }
      }
    }
  }

  /// At 20 dpi the panels are narrower than the tokens: each cell is the
  /// mean of the tokens it covers, computed here in Float64, and no more
  /// cells are made than the panel has pixels.
  @Test func cellsSmallerThanPixelsAreMeansOfTheirTokens() throws {
    let recording = try model.record(encoding)
    let figure = try LongModelFigure(recording, dpi: 20)
    #expect(figure.pooled)
    let heatmap = figure.heatmap
    let (height, width) = (figure.rowStarts.count - 1, figure.columnStarts.count - 1)
    #expect(height < 203 && width < 203)
    let panelPixels = heatmap.figsize.width * 20
    #expect(Double(width) <= panelPixels)
    #expect(heatmap.xTickLabels == figure.columnStarts.dropLast().map { String($0) })
    #expect(heatmap.colorbarLabel?.hasPrefix("mean weight, up to") == true)
    var worst = 0.0
    for layer in 0..<full.layerCount {
      for head in 0..<full.headCount {
        for i in 0..<height {
          for j in 0..<width {
            let drawn = heatmap.matrices.scalars[((layer * full.headCount + head) * height + i) * width + j]
            let (queries, keys) = (
              figure.rowStarts[i]..<figure.rowStarts[i + 1], figure.columnStarts[j]..<figure.columnStarts[j + 1]
            )
            if keys.lowerBound > queries.upperBound - 1 {
              #expect(drawn.isNaN)
              continue
            }
            var sum = 0.0
            for row in queries {
              for column in keys { sum += Double(fullWeight(layer: layer, head: head, row: row, column: column)) }
            }
            worst = max(worst, abs(Double(drawn) - sum / Double(queries.count * keys.count)))
          }
        }
      }
    }
    #expect(worst < 1e-6, "a cell is \(worst) from the mean of its tokens")
  }

  @Test func refusesRangesAndHeadsOutsideTheRun() throws {
    let recording = try model.record(encoding)
    #expect(throws: LensError.self) { try LongModelFigure(recording, rows: 190..<204) }
    #expect(throws: SelectionError.self) {
      try LongModelFigure(recording, selection: .all(layerCount: 3, headCount: 4))
    }
  }
}
