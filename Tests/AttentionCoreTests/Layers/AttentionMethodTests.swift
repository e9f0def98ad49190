import Testing

@testable import AttentionCore

/// The layers behind one call, and one sequence as a batch of one.
@Suite struct AttentionMethodTests {
  @Test func oneSequenceIsABatchOfOneWithItsShapesKept() throws {
    let queries = RandomTensors.uniform([5, 9])
    let keys = RandomTensors.uniform([7, 9])
    let values = RandomTensors.uniform([7, 4])
    let methods: [any AttentionMethod] = [
      DotProductAttention(), DotProductAttention(scoring: .dot),
      try AdditiveAttention(keySize: 9, querySize: 9, numHiddens: 6, seed: 3),
    ]
    for method in methods {
      let single = try method.attend(queries: queries, keys: keys, values: values, mask: .validLengths([4]))
      let batched = try method.forward(
        queries: queries.reshaped([1, 5, 9]), keys: keys.reshaped([1, 7, 9]),
        values: values.reshaped([1, 7, 4]), mask: .validLengths([4]))
      #expect(single.output.shape == [5, 4] && single.attentionWeights.shape == [5, 7])
      #expect(single.output.scalars == batched.output.scalars)
      #expect(single.attentionWeights.scalars == batched.attentionWeights.scalars)
      // Keys past the valid length get no weight.
      for query in 0..<5 {
        for key in 4..<7 { #expect(single.attentionWeights[query, key] == 0) }
      }
    }
  }

  @Test(arguments: [AttentionScoring.dot, .scaledDot])
  func headsSplitTheFeaturesAsThePoolingDoes(scoring: AttentionScoring) throws {
    let queries = RandomTensors.uniform([2, 5, 6])
    let keys = RandomTensors.uniform([2, 7, 6])
    let values = RandomTensors.uniform([2, 7, 9])
    let layer = DotProductAttention(scoring: scoring, heads: 3)
    let result = try layer.attend(queries: queries, keys: keys, values: values, mask: .causal)
    let expected = try attentionPooling(
      queries: queries, keys: keys, values: values, heads: 3, scoring: scoring, validLengths: nil,
      causal: true)
    #expect(result.attentionWeights.shape == [2, 3, 5, 7] && result.output.shape == [2, 5, 9])
    #expect(result.output == expected.output && result.attentionWeights == expected.attentionWeights)
    // Causal: query i sees keys 0...i only.
    #expect(result.attentionWeights[1, 2, 0, 1] == 0 && result.attentionWeights[1, 2, 3, 3] > 0)
  }
}

/// Every layer under any mask: a Boolean mask with fully hidden rows, against
/// the layer's own valid-length spelling where the two say the same, and
/// against d2l's uniform rule where no key is left.
@Suite struct LayerMaskTests {
  let batch = 2
  let queryCount = 5
  let keyCount = 7
  let width = 6

  /// Keys at or past `lengths[b]` hidden, as a Boolean `[B, Lq, Lk]` mask.
  private func booleanValidLengths(_ lengths: [Int]) -> AttentionMask {
    var allowed: [Bool] = []
    for b in 0..<batch {
      for _ in 0..<queryCount { for key in 0..<keyCount { allowed.append(key < lengths[b]) } }
    }
    return .boolean(allowed, shape: [batch, queryCount, keyCount])
  }

  @Test func aBooleanMaskIsTheValidLengthsItSpells() throws {
    let queries = RandomTensors.uniform([batch, queryCount, width])
    let keys = RandomTensors.uniform([batch, keyCount, width])
    let values = RandomTensors.uniform([batch, keyCount, width])
    let lengths = [3, 0]
    let layers: [any AttentionMethod] = [
      DotProductAttention(), DotProductAttention(scoring: .dot, heads: 2),
      try AdditiveAttention(keySize: width, querySize: width, numHiddens: 4, seed: 1),
      try MultiHeadAttention(
        numHiddens: 6, numHeads: 3, querySize: width, keySize: width, valueSize: width, seed: 2),
    ]
    for layer in layers {
      let byLengths = try layer.forward(
        queries: queries, keys: keys, values: values, mask: .validLengths(lengths))
      let byBooleans = try layer.forward(
        queries: queries, keys: keys, values: values, mask: booleanValidLengths(lengths))
      expectClose(byBooleans.output.scalars, byLengths.output.scalars.map(Double.init))
      expectClose(byBooleans.attentionWeights.scalars, byLengths.attentionWeights.scalars.map(Double.init))
      // Batch 1 sees no key: d2l's uniform row, in every head.
      let perBatch = byBooleans.attentionWeights.count / batch
      #expect(
        byBooleans.attentionWeights.scalars[perBatch...].allSatisfy { abs($0 - 1 / Float(keyCount)) < 1e-7 },
        "\(type(of: layer))")
    }
  }

  @Test func additiveAttentionUnderAMaskMatchesItsValidLengths() throws {
    let queries = RandomTensors.uniform([batch, queryCount, 3])
    let keys = RandomTensors.uniform([batch, keyCount, 4])
    let values = RandomTensors.uniform([batch, keyCount, 2])
    let layer = try AdditiveAttention(keySize: 4, querySize: 3, numHiddens: 5, seed: 9)
    let lengths = [4, 6]
    let spelled = try layer.forward(
      queries: queries, keys: keys, values: values, validLengths: lengths, causal: true)
    let masked = try layer.forward(
      queries: queries, keys: keys, values: values,
      mask: AttentionMask.validLengths(lengths).combined(with: .causal))
    expectClose(masked.attentionWeights.scalars, spelled.attentionWeights.scalars.map(Double.init))
    // A -∞ bias on one key is that key hidden.
    var bias = Tensor.zeros([queryCount, keyCount])
    for query in 0..<queryCount { bias[query, 2] = -.infinity }
    let biased = try layer.forward(queries: queries, keys: keys, values: values, mask: .additive(bias))
    for row in 0..<(batch * queryCount) { #expect(biased.attentionWeights.scalars[row * keyCount + 2] == 0) }
  }
}
