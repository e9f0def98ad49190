import AttentionCore
import Foundation
import Testing

@testable import AttentionFigures

@Suite struct DeskSceneTests {
  let scene = DeskScene()

  private func argmax(_ row: [Float]) -> Int { row.indices.max { row[$0] < row[$1] }! }

  private func row(_ attention: DeskScene.Attention, _ index: Int) -> [Float] {
    let width = attention.weights.shape[1]
    return Array(attention.weights.scalars[index * width..<(index + 1) * width])
  }

  @Test func theRedCupWinsWithoutAQuery() throws {
    let attention = try scene.attention()
    #expect(attention.rowNames[0] == "salience (no query)")
    #expect(attention.objectNames[argmax(row(attention, 0))] == "red cup")
  }

  @Test func theBookWinsForSomethingToReadAndTheCupForRedCup() throws {
    let attention = try scene.attention()
    let readRow = try #require(attention.rowNames.firstIndex(of: "something to read"))
    let cupRow = try #require(attention.rowNames.firstIndex(of: "red cup"))
    #expect(attention.objectNames[argmax(row(attention, readRow))] == "book")
    #expect(attention.objectNames[argmax(row(attention, cupRow))] == "red cup")
  }

  @Test func weightsFollowFromTheSceneNumbers() throws {
    let attention = try scene.attention()
    #expect(attention.weights.shape == [3, 5])
    #expect(attention.outputs.shape == [3, 3])
    // Float64: salience scores w·k + b, then each query's dot products.
    let saliency = scene.objects.map { object in
      zip(object.key, scene.salienceWeight).reduce(Double(scene.salienceBias)) { $0 + Double($1.0 * $1.1) }
    }
    let queryScores = scene.queries.flatMap { query in
      scene.objects.map { object in zip(object.key, query.vector).reduce(0.0) { $0 + Double($1.0 * $1.1) } }
    }
    let expected = softmaxRows(saliency + queryScores, rowLength: 5)
    #expect(
      zip(attention.weights.scalars, expected).allSatisfy { abs(Double($0) - $1) <= 1e-6 + 1e-5 * abs($1) })
    // The documented shares: ≈ 0.77, 0.91 and 0.61 for the winners.
    #expect(abs(expected[4] - 0.770) < 0.005)
    #expect(abs(expected[5 + 4] - 0.913) < 0.005)
    #expect(abs(expected[10 + 3] - 0.613) < 0.005)
    // Outputs pool the colours with those weights.
    for r in 0..<3 {
      for channel in 0..<3 {
        let pooled = (0..<5).reduce(0.0) {
          $0 + expected[r * 5 + $1] * Double(scene.objects[$1].value[channel])
        }
        #expect(abs(Double(attention.outputs[r, channel]) - pooled) < 1e-5)
      }
    }
  }

  @Test func chineseNamesForTheSeedsFigures() throws {
    let attention = try scene.attention(language: .chinese)
    #expect(attention.objectNames == ["报纸", "论文", "笔记本", "书", "红色杯子"])
    #expect(attention.rowNames.count == 3)
    #expect(attention.weights == (try scene.attention()).weights)
  }

  @Test func mismatchedWidthsThrow() {
    var broken = scene
    broken.queries[0].vector = [1, 1]
    #expect {
      _ = try broken.attention()
    } throws: { error in
      guard let error = error as? AttentionError else { return false }
      return error.kind == .shapeMismatch && error.description.contains("[2]")
        && error.description.contains("[4]")
    }
  }
}

/// Softmax over each row of `rowLength` logits, in Float64.
private func softmaxRows(_ logits: [Double], rowLength: Int) -> [Double] {
  stride(from: 0, to: logits.count, by: rowLength).flatMap { start -> [Double] in
    let row = logits[start..<start + rowLength]
    let peak = row.max()!
    let exps = row.map { Foundation.exp($0 - peak) }
    let sum = exps.reduce(0, +)
    return exps.map { $0 / sum }
  }
}
