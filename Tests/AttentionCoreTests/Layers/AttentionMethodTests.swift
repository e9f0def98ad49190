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
      let single = try method.attend(queries: queries, keys: keys, values: values, validLengths: [4])
      let batched = try method.forward(
        queries: queries.reshaped([1, 5, 9]), keys: keys.reshaped([1, 7, 9]),
        values: values.reshaped([1, 7, 4]),
        validLengths: [4], causal: false)
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
    let result = try layer.attend(queries: queries, keys: keys, values: values, causal: true)
    let expected = try attentionPooling(
      queries: queries, keys: keys, values: values, heads: 3, scoring: scoring, validLengths: nil,
      causal: true)
    #expect(result.attentionWeights.shape == [2, 3, 5, 7] && result.output.shape == [2, 5, 9])
    #expect(result.output == expected.output && result.attentionWeights == expected.attentionWeights)
    // Causal: query i sees keys 0...i only.
    #expect(result.attentionWeights[1, 2, 0, 1] == 0 && result.attentionWeights[1, 2, 3, 3] > 0)
  }
}
