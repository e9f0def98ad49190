import Testing

@testable import AttentionCore

@Suite struct AttentionPoolingTests {
  // Odd sizes, so a swapped axis cannot pass by accident.
  let batch = 3
  let queryCount = 5
  let keyCount = 7
  let depth = 9
  let valueDepth = 11

  private func check(
    scoring: AttentionScoring, validLengths: [Int]?, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let (output, attentionWeights) = try attentionPooling(
      queries: queries, keys: keys, values: values, scoring: scoring, validLengths: validLengths)
    #expect(output.shape == [batch, queryCount, valueDepth], sourceLocation: sourceLocation)
    #expect(attentionWeights.shape == [batch, queryCount, keyCount], sourceLocation: sourceLocation)
    let reference = Reference.attentionPooling(
      queries: queries, keys: keys, values: values, scaled: scoring == .scaledDot,
      rowValidLengths: Reference.rowValidLengths(
        validLengths, batch: batch, queries: queryCount, keys: keyCount))
    expectClose(attentionWeights.scalars, reference.weights, sourceLocation: sourceLocation)
    expectClose(
      output.scalars, reference.output, relative: 1e-5, absolute: 1e-5, sourceLocation: sourceLocation)
  }

  @Test(arguments: AttentionScoring.allCases)
  func matchesFloat64ReferenceWithoutMask(scoring: AttentionScoring) throws {
    try check(scoring: scoring, validLengths: nil)
  }

  @Test(arguments: AttentionScoring.allCases)
  func matchesFloat64ReferenceWithPerBatchLengths(scoring: AttentionScoring) throws {
    try check(scoring: scoring, validLengths: RandomTensors.validLengths(count: batch, maximum: keyCount))
  }

  @Test(arguments: AttentionScoring.allCases)
  func matchesFloat64ReferenceWithPerQueryLengths(scoring: AttentionScoring) throws {
    try check(
      scoring: scoring, validLengths: RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)
    )
  }

  /// Causal masking, alone and on top of per-batch lengths, against the
  /// reference with query i's length written out as min(length, i + 1).
  @Test(arguments: [false, true])
  func causalMaskLetsQueryISeeKeysUpToI(withLengths: Bool) throws {
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths = withLengths ? RandomTensors.validLengths(count: batch, maximum: keyCount) : nil
    let (output, attentionWeights) = try attentionPooling(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: true)
    let given = Reference.rowValidLengths(validLengths, batch: batch, queries: queryCount, keys: keyCount)
    let causalLengths = given.enumerated().map { row, length in min(length, row % queryCount + 1) }
    let reference = Reference.attentionPooling(
      queries: queries, keys: keys, values: values, scaled: true, rowValidLengths: causalLengths)
    expectClose(attentionWeights.scalars, reference.weights)
    expectClose(output.scalars, reference.output, relative: 1e-5, absolute: 1e-5)
    // A row left with no key is uniform (d2l's -1e6 rule); every other row
    // gives keys past i exactly zero weight.
    for b in 0..<batch {
      for i in 0..<queryCount where causalLengths[b * queryCount + i] > 0 {
        for j in (i + 1)..<keyCount { #expect(attentionWeights[b, i, j] == 0) }
      }
    }
  }

  @Test func scaledDotDividesTheScoresBySquareRootOfD() throws {
    let queries = RandomTensors.uniform([2, 3, 4])
    let keys = RandomTensors.uniform([2, 5, 4])
    let dot = try attentionScores(queries: queries, keys: keys, scoring: .dot)
    let scaled = try attentionScores(queries: queries, keys: keys, scoring: .scaledDot)
    expectClose(scaled.scalars, dot.scalars.map { Double($0) / 2 }, relative: 1e-6, absolute: 1e-7)
  }

  @Test func fourDimensionalInputsRepeatValidLengthsOverHeads() throws {
    let heads = 2
    let queries = RandomTensors.uniform([batch, heads, queryCount, depth])
    let keys = RandomTensors.uniform([batch, heads, keyCount, depth])
    let values = RandomTensors.uniform([batch, heads, keyCount, valueDepth])
    for validLengths in [
      RandomTensors.validLengths(count: batch, maximum: keyCount),
      RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount),
    ] {
      let (output, attentionWeights) = try attentionPooling(
        queries: queries, keys: keys, values: values, validLengths: validLengths)
      #expect(output.shape == [batch, heads, queryCount, valueDepth])
      #expect(attentionWeights.shape == [batch, heads, queryCount, keyCount])
      // d2l's repeat_interleave over heads: every head of batch b sees b's lengths.
      let perBatchRows = Reference.rowValidLengths(
        validLengths, batch: batch, queries: queryCount, keys: keyCount)
      var rowLengths: [Int] = []
      for b in 0..<batch {
        for _ in 0..<heads {
          rowLengths += perBatchRows[(b * queryCount)..<((b + 1) * queryCount)]
        }
      }
      let reference = Reference.attentionPooling(
        queries: queries, keys: keys, values: values, scaled: true, rowValidLengths: rowLengths)
      expectClose(attentionWeights.scalars, reference.weights)
      expectClose(output.scalars, reference.output, relative: 1e-5, absolute: 1e-5)
    }
  }

  @Test func weightRowsSumToOneAndMaskedKeysGetNothing() throws {
    let (_, attentionWeights) = try attentionPooling(
      queries: RandomTensors.uniform([batch, queryCount, depth], in: -5...5),
      keys: RandomTensors.uniform([batch, keyCount, depth], in: -5...5),
      values: RandomTensors.uniform([batch, keyCount, valueDepth]),
      validLengths: [2, keyCount, 4])
    for (b, validLength) in [2, keyCount, 4].enumerated() {
      for q in 0..<queryCount {
        let row = (0..<keyCount).map { Double(attentionWeights[b, q, $0]) }
        #expect(abs(row.reduce(0, +) - 1) <= 1e-6)
        #expect(row[validLength...].allSatisfy { $0 == 0 })
      }
    }
  }

  @Test func shapeErrorsNameBothShapes() {
    expectAttentionError(.shapeMismatch, mentioning: ["queries [2, 3, 4]", "keys [2, 5, 3]", "D"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 3, 4]), keys: .zeros([2, 5, 3]), values: .zeros([2, 5, 6]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["keys [2, 5, 4]", "values [2, 6, 6]", "Lk"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 3, 4]), keys: .zeros([2, 5, 4]), values: .zeros([2, 6, 6]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["queries [2, 3, 4]", "keys [3, 5, 4]", "batch"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 3, 4]), keys: .zeros([3, 5, 4]), values: .zeros([3, 5, 6]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 1, 3, 4]", "[2, 5, 4]"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 1, 3, 4]), keys: .zeros([2, 5, 4]), values: .zeros([2, 5, 6]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["queries [2, 2, 3, 4]", "keys [2, 3, 5, 4]", "head"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 2, 3, 4]), keys: .zeros([2, 3, 5, 4]), values: .zeros([2, 3, 5, 6]))
    }
  }

  @Test func validLengthErrorsNameTheCountsAndRange() {
    let queries = Tensor.zeros([2, 3, 4])
    let keys = Tensor.zeros([2, 5, 4])
    let values = Tensor.zeros([2, 5, 6])
    expectAttentionError(.invalidValidLengths, mentioning: ["4 valid lengths", "keys [2, 5, 4]", "2", "6"]) {
      _ = try attentionPooling(queries: queries, keys: keys, values: values, validLengths: [1, 2, 3, 4])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["6", "0...5"]) {
      _ = try attentionPooling(queries: queries, keys: keys, values: values, validLengths: [1, 6])
    }
  }
}
