import AttentionCore
import Foundation
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

/// The data a long run's offline page carries, decoded, against the run.
@Suite struct LongRunFileTests {
  private func floats(_ base64: Any?) throws -> [Float] {
    let text = try #require(base64 as? String)
    let data = try #require(Data(base64Encoded: text))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
  }

  @Test func carriesThumbnailsOverviewsAndExactBlocks() throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    tiny.seed = 43
    let model = try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-long-file"))
    let ids = (0..<150).map { ($0 * 7 + 3) % TinyLlama.tokens.count }
    let encoding = Encoding(
      tokens: ids.map { TinyLlama.tokens[$0] }, ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: ids.count)
    let recording = try model.record(encoding)
    let full = try model.run(encoding, options: RunOptions()).attention
    let heads = [HeadIndex(layer: 1, head: 2)]
    let file = try LongRunFile(recording, model: "tiny", heads: heads, rows: 90..<120, columns: 10..<100)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(file.json.utf8)) as? [String: Any])
    #expect(object["tokens"] as? [String] == encoding.tokens)
    #expect(object["layers"] as? Int == 2 && object["heads"] as? Int == 4 && object["kind"] as? String == "causal")
    let thumbnails = try #require(object["thumbnails"] as? [String: Any])
    let thumbnailData = try floats(thumbnails["data"])
    #expect(thumbnailData.count == 2 * 4 * 64 * 64)
    #expect(thumbnails["row_starts"] as? [Int] == AttentionRecord.binStarts(of: 0..<150, cells: 64))
    let expected = try recording.overview(layer: 1, head: 3, size: 64, pooling: .max).scalars
    #expect(Array(thumbnailData[(7 * 4096)..<(8 * 4096)]) == expected)
    // The chosen head: overviews as fine as the run (150 ≤ the largest), and the exact crop.
    let overviews = try #require(object["overviews"] as? [[String: Any]])
    #expect(overviews.count == 2 && overviews.allSatisfy { $0["layer"] as? Int == 2 && $0["head"] as? Int == 3 })
    let blocks = try #require(object["blocks"] as? [[String: Any]])
    #expect(blocks.count == 1 && blocks[0]["rows"] as? [Int] == [90, 120] && blocks[0]["cols"] as? [Int] == [10, 100])
    let block = try floats(blocks[0]["data"])
    var worst = 0
    for (i, row) in (90..<120).enumerated() {
      for (j, column) in (10..<100).enumerated() {
        let a = block[i * 90 + j]
        let b = full.attentions.scalars[((1 * 4 + 2) * 150 + row) * 150 + column]
        worst = max(worst, a == b ? 0 : abs(Int(a.bitPattern) - Int(b.bitPattern)))
      }
    }
    #expect(worst <= 1)
    #expect(file.note.contains("head 2.3") && file.note.contains("exact over queries 90–119 × keys 10–99"))
    // The page embeds it, `</` escaped, and says what it holds.
    #expect(file.page.contains("id=\"long-data\"") && file.page.contains(file.note))
    // A limit the thumbnails alone pass is refused.
    #expect(throws: LensError.self) { try LongRunFile(recording, model: "tiny", heads: [], byteLimit: 50_000) }
    #expect(throws: LensError.self) {
      try LongRunFile(recording, model: "tiny", heads: [HeadIndex(layer: 2, head: 0)])
    }
  }
}
