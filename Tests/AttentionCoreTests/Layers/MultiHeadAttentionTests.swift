import Testing

@testable import AttentionCore

@Suite struct MultiHeadAttentionTests {
  /// Odd sizes: B, Lq, Lk, Dq, Dk, Dv, h, H (5 features per head).
  let batch = 3, queryCount = 5, keyCount = 7, querySize = 6, keySize = 9, valueSize = 4
  let hidden = 15, heads = 3

  private func randomLayer() throws -> MultiHeadAttention {
    try MultiHeadAttention(
      numHeads: heads,
      queryWeight: RandomTensors.uniform([querySize, hidden], in: -1...1),
      keyWeight: RandomTensors.uniform([keySize, hidden], in: -1...1),
      valueWeight: RandomTensors.uniform([valueSize, hidden], in: -1...1),
      outputWeight: RandomTensors.uniform([hidden, hidden], in: -1...1))
  }

  @Test(arguments: ["none", "per batch", "per query", "causal"])
  func matchesTheFloat64Reference(masking: String) throws {
    let queries = RandomTensors.uniform([batch, queryCount, querySize])
    let keys = RandomTensors.uniform([batch, keyCount, keySize])
    let values = RandomTensors.uniform([batch, keyCount, valueSize])
    var attention = try randomLayer()
    let validLengths: [Int]? =
      switch masking {
      case "per batch", "causal": RandomTensors.validLengths(count: batch, maximum: keyCount)
      case "per query": RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)
      default: nil
      }
    let causal = masking == "causal"
    let output = try attention(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    let expected = LayerReference.multiHead(
      queries: queries, keys: keys, values: values, heads: heads,
      projections: .init(
        query: attention.queryWeight, key: attention.keyWeight, value: attention.valueWeight,
        output: attention.outputWeight),
      validLengths: validLengths, causal: causal)
    #expect(output.shape == [batch, queryCount, hidden])
    // The output projection sums 15 products of either sign, so an element
    // near zero carries the rounding of terms as large as the largest output:
    // the absolute allowance scales with that magnitude.
    let magnitude = expected.output.map(abs).max() ?? 1
    expectClose(output.scalars, expected.output, absolute: 1e-5 * magnitude)
    let weights = try #require(attention.attentionWeights)
    #expect(weights.shape == [batch, heads, queryCount, keyCount])
    expectClose(weights.scalars, expected.weights)
    // d2l's own layout of the same weights: [B·H, Lq, Lk].
    let flatWeights = try #require(attention.attention.attentionWeights)
    #expect(flatWeights.shape == [batch * heads, queryCount, keyCount])
    #expect(flatWeights.scalars == weights.scalars)
  }

  /// A seeded layer, end to end, against d2l's `MultiHeadAttention` in
  /// PyTorch 2.15 (CPU capability AVX512): after `torch.manual_seed(3)`,
  /// `q = torch.randn(2, 3, 5)`, `k = torch.randn(2, 4, 7)`,
  /// `v = torch.randn(2, 4, 6)`, then `MultiHeadAttention(12, 3, 0.5).eval()`
  /// called with `valid_lens = torch.tensor([3, 1])`; its lazy layers draw
  /// W_q, W_k, W_v, W_o in that order at the call. Printed: the output and
  /// `attention.attention_weights`.
  @Test func seededLayerReproducesPyTorch() throws {
    var generator = TorchGenerator(seed: 3)
    let queries = generator.randn([2, 3, 5])
    let keys = generator.randn([2, 4, 7])
    let values = generator.randn([2, 4, 6])
    var attention = try MultiHeadAttention(
      numHiddens: 12, numHeads: 3, querySize: 5, keySize: 7, valueSize: 6, generator: &generator)
    let output = try attention(queries: queries, keys: keys, values: values, validLengths: [3, 1])
    let expectedFirstRow: [Double] = [
      0.09928464144468307, -0.18566663563251495, -0.07548882812261581, 0.2857758402824402,
      0.07364633679389954, -0.03525850921869278, 0.07767615467309952, 0.12769076228141785,
      0.20087239146232605, 0.014549633488059044, -0.23414433002471924, -0.09877095371484756,
    ]
    // Batch 1 sees one key only, so its three query rows are equal.
    let expectedLastRow: [Double] = [
      -0.20187518000602722, 0.09235288202762604, -0.10473229736089706, 0.029022814705967903,
      -0.2994910478591919, 0.19447758793830872, -0.10477568954229355, -0.23227322101593018,
      -0.17440743744373322, 0.22613926231861115, -0.31545108556747437, -0.11297845095396042,
    ]
    #expect(output.shape == [2, 3, 12])
    expectClose(Array(output.scalars.prefix(12)), expectedFirstRow)
    expectClose(Array(output.scalars.suffix(12)), expectedLastRow)
    let expectedWeights: [[Double]] = [
      [0.31847482919692993, 0.35628876090049744, 0.32523640990257263, 0],
      [0.3046687841415405, 0.4222491979598999, 0.27308201789855957, 0],
      [0.38228607177734375, 0.2667246162891388, 0.35098928213119507, 0],
    ]
    let weights = try #require(attention.attentionWeights)
    expectClose(Array(weights.scalars.prefix(12)), expectedWeights.flatMap { $0 })
    for head in 0..<3 {
      for i in 0..<3 { #expect(weights[1, head, i, 0] == 1) }
    }
  }

  /// d2l's `transpose_qkv` and `transpose_output`, checked by index.
  @Test func transposesAsTheBookDoes() throws {
    let attention = try randomLayer()
    let features = RandomTensors.uniform([batch, queryCount, hidden])
    let perHead = try attention.transposeQKV(features)
    let depth = hidden / heads
    #expect(perHead.shape == [batch * heads, queryCount, depth])
    for b in 0..<batch {
      for head in 0..<heads {
        for l in 0..<queryCount {
          for f in 0..<depth { #expect(perHead[b * heads + head, l, f] == features[b, l, head * depth + f]) }
        }
      }
    }
    #expect(try attention.transposeOutput(perHead) == features)
    expectAttentionError(.shapeMismatch, mentioning: ["[4, 5, 5]", "H = 3"]) {
      _ = try attention.transposeOutput(.zeros([4, 5, 5]))
    }
  }

  @Test func numHiddensMustBeDivisibleByNumHeads() {
    expectAttentionError(.invalidArgument, mentioning: ["numHiddens 10", "numHeads 3"]) {
      _ = try MultiHeadAttention(numHiddens: 10, numHeads: 3)
    }
    expectAttentionError(.invalidArgument, mentioning: ["W_q [4, 10]", "numHeads 4"]) {
      _ = try MultiHeadAttention(
        numHeads: 4, queryWeight: .zeros([4, 10]), keyWeight: .zeros([4, 10]), valueWeight: .zeros([4, 10]),
        outputWeight: .zeros([10, 10]))
    }
  }

  @Test func rejectsWeightsAndInputsThatDisagree() throws {
    expectAttentionError(.shapeMismatch, mentioning: ["W_v [4, 12]", "W_q [4, 15]"]) {
      _ = try MultiHeadAttention(
        numHeads: 3, queryWeight: .zeros([4, 15]), keyWeight: .zeros([4, 15]), valueWeight: .zeros([4, 12]),
        outputWeight: .zeros([15, 15]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["W_o [15, 12]", "[15, 15]"]) {
      _ = try MultiHeadAttention(
        numHeads: 3, queryWeight: .zeros([4, 15]), keyWeight: .zeros([4, 15]), valueWeight: .zeros([4, 15]),
        outputWeight: .zeros([15, 12]))
    }
    var attention = try randomLayer()
    expectAttentionError(.shapeMismatch, mentioning: ["W_k [9, 15]", "keys [3, 7, 8]"]) {
      _ = try attention(
        queries: .zeros([3, 5, 6]), keys: .zeros([3, 7, 8]), values: .zeros([3, 7, 4]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["keys [3, 7, 9]", "values [3, 6, 4]"]) {
      _ = try attention(
        queries: .zeros([3, 5, 6]), keys: .zeros([3, 7, 9]), values: .zeros([3, 6, 4]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["2 valid lengths", "3", "15"]) {
      _ = try attention(
        queries: .zeros([3, 5, 6]), keys: .zeros([3, 7, 9]), values: .zeros([3, 7, 4]), validLengths: [1, 2])
    }
    #expect(attention.attentionWeights == nil)
  }
}
