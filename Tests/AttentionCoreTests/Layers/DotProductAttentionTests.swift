import Testing

@testable import AttentionCore

@Suite struct DotProductAttentionTests {
  /// Odd sizes, fresh values each run: B, Lq, Lk, D, Dv.
  let batch = 3, queryCount = 5, keyCount = 7, depth = 9, valueDepth = 4

  @Test(arguments: ["none", "per batch", "per query", "causal"])
  func matchesTheFloat64Reference(masking: String) throws {
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths: [Int]? =
      switch masking {
      case "per batch", "causal": RandomTensors.validLengths(count: batch, maximum: keyCount)
      case "per query": RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)
      default: nil
      }
    let causal = masking == "causal"
    var attention = DotProductAttention()
    #expect(attention.attentionWeights == nil)
    let output = try attention(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    let expected = LayerReference.dotProductAttention(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    #expect(output.shape == [batch, queryCount, valueDepth])
    expectClose(output.scalars, expected.output)
    let weights = try #require(attention.attentionWeights)
    #expect(weights.shape == [batch, queryCount, keyCount])
    expectClose(weights.scalars, expected.weights)
  }

  /// `forward` computes what the call computes, without recording it.
  @Test func forwardLeavesTheLayerAlone() throws {
    let queries = RandomTensors.uniform([2, 3, 5])
    let keys = RandomTensors.uniform([2, 4, 5])
    let values = RandomTensors.uniform([2, 4, 3])
    var attention = DotProductAttention()
    let result = try attention.forward(queries: queries, keys: keys, values: values, validLengths: [1, 3])
    #expect(attention.attentionWeights == nil)
    let output = try attention(queries: queries, keys: keys, values: values, validLengths: [1, 3])
    #expect(output == result.output)
    #expect(attention.attentionWeights == result.attentionWeights)
  }

  @Test func rejectsKeysOfAnotherWidth() {
    var attention = DotProductAttention()
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 5]", "[2, 4, 6]"]) {
      _ = try attention(
        queries: .zeros([2, 3, 5]), keys: .zeros([2, 4, 6]), values: .zeros([2, 4, 3]))
    }
    #expect(attention.attentionWeights == nil)
  }
}
