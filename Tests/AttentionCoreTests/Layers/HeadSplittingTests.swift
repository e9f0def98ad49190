import Testing

@testable import AttentionCore

@Suite struct HeadSplittingTests {
  @Test func splitHeadsGivesEachHeadItsSliceOfFeatures() throws {
    let (batch, length, heads, depth) = (2, 5, 3, 7)
    let features = RandomTensors.uniform([batch, length, heads * depth])
    let split = try splitHeads(features, heads: heads)
    #expect(split.shape == [batch, heads, length, depth])
    for b in 0..<batch {
      for h in 0..<heads {
        for l in 0..<length {
          for f in 0..<depth { #expect(split[b, h, l, f] == features[b, l, h * depth + f]) }
        }
      }
    }
    #expect(try mergeHeads(split) == features)
  }

  @Test func splitHeadsRejectsAWidthHeadsDoNotDivide() {
    expectAttentionError(.invalidArgument, mentioning: ["[2, 3, 10]", "3 heads"]) {
      _ = try splitHeads(.zeros([2, 3, 10]), heads: 3)
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[3, 10]"]) {
      _ = try splitHeads(.zeros([3, 10]), heads: 2)
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 10]"]) {
      _ = try mergeHeads(.zeros([2, 3, 10]))
    }
  }

  /// Pooling over heads without projections is multi-head attention with
  /// identity projections and no output projection.
  @Test(arguments: [AttentionScoring.dot, .scaledDot], [false, true])
  func poolingOverHeadsMatchesTheFloat64Reference(scoring: AttentionScoring, causal: Bool) throws {
    let (batch, queryCount, keyCount, depth, valueDepth, heads) = (3, 4, 7, 15, 9, 3)
    let queries = RandomTensors.uniform([batch, queryCount, depth])
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths = RandomTensors.validLengths(count: batch, maximum: keyCount)
    let result = try attentionPooling(
      queries: queries, keys: keys, values: values, heads: heads, scoring: scoring,
      validLengths: validLengths, causal: causal)
    let expected = LayerReference.multiHead(
      queries: queries, keys: keys, values: values, heads: heads, projections: nil,
      scaled: scoring == .scaledDot, validLengths: validLengths, causal: causal)
    #expect(result.output.shape == [batch, queryCount, valueDepth])
    #expect(result.attentionWeights.shape == [batch, heads, queryCount, keyCount])
    expectClose(result.output.scalars, expected.output)
    expectClose(result.attentionWeights.scalars, expected.weights)
  }

  @Test func poolingOverHeadsNamesTheTensorHeadsDoNotDivide() {
    expectAttentionError(.invalidArgument, mentioning: ["values [2, 4, 7]", "3 heads"]) {
      _ = try attentionPooling(
        queries: .zeros([2, 3, 6]), keys: .zeros([2, 4, 6]), values: .zeros([2, 4, 7]), heads: 3)
    }
  }
}
