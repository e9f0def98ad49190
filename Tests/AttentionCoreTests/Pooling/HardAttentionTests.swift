import Testing

@testable import AttentionCore

@Suite struct HardAttentionTests {
  let batch = 3
  let queryCount = 5
  let keyCount = 7
  let depth = 9
  let valueDepth = 11

  @Test(arguments: AttentionScoring.allCases)
  func picksTheBestValidKeyAndCopiesItsValue(scoring: AttentionScoring) throws {
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths = RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)
    let (output, attentionWeights) = try hardAttention(
      queries: queries, keys: keys, values: values, scoring: scoring, validLengths: validLengths)
    #expect(output.shape == [batch, queryCount, valueDepth])
    #expect(attentionWeights.shape == [batch, queryCount, keyCount])
    let scores = Reference.matmul(queries, keys, transposeB: true)
    for b in 0..<batch {
      for q in 0..<queryCount {
        let row = b * queryCount + q
        let validLength = validLengths[row]
        let candidates = validLength == 0 ? [0] : Array(0..<validLength)
        let winner = candidates.max { scores[row * keyCount + $0] < scores[row * keyCount + $1] }!
        #expect(
          (0..<keyCount).map { attentionWeights[b, q, $0] } == (0..<keyCount).map { $0 == winner ? 1 : 0 })
        #expect((0..<valueDepth).map { output[b, q, $0] } == (0..<valueDepth).map { values[b, winner, $0] })
      }
    }
  }

  @Test func tiesGoToTheFirstKeyAndMaskedKeysNeverWin() throws {
    // Keys 1 and 2 are identical and best; key 3 is better still but masked.
    let keys = Tensor(shape: [1, 4, 2], scalars: [0, 0, 1, 1, 1, 1, 9, 9])
    let values = Tensor(shape: [1, 4, 1], scalars: [10, 11, 12, 13])
    let queries = Tensor(shape: [1, 1, 2], scalars: [1, 1])
    let (output, attentionWeights) = try hardAttention(
      queries: queries, keys: keys, values: values, validLengths: [3])
    #expect(attentionWeights.scalars == [0, 1, 0, 0])
    #expect(output.scalars == [11])
    let allMasked = try hardAttention(queries: queries, keys: keys, values: values, validLengths: [0])
    #expect(allMasked.attentionWeights.scalars == [1, 0, 0, 0])
  }

  @Test func isTheLimitOfSoftAttentionAsScoresSharpen() throws {
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let hard = try hardAttention(queries: queries, keys: keys, values: values, scoring: .dot)
    // Scores of uniform inputs differ by far more than 1e-3 almost surely,
    // so ×1e5 drives the softmax to one-hot.
    let sharp = try attentionPooling(
      queries: queries.scaled(by: 1e5), keys: keys, values: values, scoring: .dot)
    expectClose(
      sharp.attentionWeights.scalars, hard.attentionWeights.scalars.map(Double.init), absolute: 1e-6)
  }

  @Test func fourDimensionalInputs() throws {
    let heads = 2
    let queries = RandomTensors.uniform([batch, heads, queryCount, depth])
    let keys = RandomTensors.uniform([batch, heads, keyCount, depth])
    let values = RandomTensors.uniform([batch, heads, keyCount, valueDepth])
    let (output, attentionWeights) = try hardAttention(
      queries: queries, keys: keys, values: values, validLengths: [keyCount, 1, 3])
    #expect(output.shape == [batch, heads, queryCount, valueDepth])
    #expect(attentionWeights.shape == [batch, heads, queryCount, keyCount])
    for h in 0..<heads {
      for q in 0..<queryCount {
        // Batch element 1 has one valid key: it wins every query of every head.
        #expect(attentionWeights[1, h, q, 0] == 1)
        #expect(output[1, h, q, 4] == values[1, h, 0, 4])
        let row = (0..<keyCount).map { attentionWeights[2, h, q, $0] }
        #expect(row.reduce(0, +) == 1 && row[3...].allSatisfy { $0 == 0 })
      }
    }
  }

  @Test func needsAtLeastOneKey() {
    expectAttentionError(.shapeMismatch, mentioning: ["[1, 0, 2]"]) {
      _ = try hardAttention(queries: .zeros([1, 1, 2]), keys: .zeros([1, 0, 2]), values: .zeros([1, 0, 3]))
    }
  }
}
