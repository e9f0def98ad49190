import Testing

@testable import AttentionCore

@Suite struct AdditiveAttentionTests {
  /// Odd sizes: B, Lq, Lk, Dq, Dk, Dv, h.
  let batch = 3, queryCount = 4, keyCount = 7, querySize = 5, keySize = 3, valueDepth = 6, hidden = 9

  @Test(arguments: ["none", "per batch", "per query", "causal"])
  func matchesTheFloat64Reference(masking: String) throws {
    let queries = RandomTensors.uniform([batch, queryCount, querySize])
    let keys = RandomTensors.uniform([batch, keyCount, keySize])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    var attention = try AdditiveAttention(
      queryWeight: RandomTensors.uniform([querySize, hidden], in: -1...1),
      keyWeight: RandomTensors.uniform([keySize, hidden], in: -1...1),
      scoreWeight: RandomTensors.uniform([hidden, 1], in: -1...1))
    let validLengths: [Int]? =
      switch masking {
      case "per batch", "causal": RandomTensors.validLengths(count: batch, maximum: keyCount)
      case "per query": RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)
      default: nil
      }
    let causal = masking == "causal"
    let output = try attention(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    let expected = LayerReference.additiveAttention(
      queries: queries, keys: keys, values: values, queryWeight: attention.queryWeight,
      keyWeight: attention.keyWeight, scoreWeight: attention.scoreWeight, validLengths: validLengths,
      causal: causal)
    #expect(output.shape == [batch, queryCount, valueDepth])
    expectClose(output.scalars, expected.output)
    let weights = try #require(attention.attentionWeights)
    #expect(weights.shape == [batch, queryCount, keyCount])
    expectClose(weights.scalars, expected.weights)
  }

  /// d2l's example: queries (2, 1, 20), keys (2, 10, 2), values (2, 10, 4),
  /// valid lengths [2, 6], 8 hidden units. The output is (2, 1, 4) and each
  /// weight row is zero past its valid length.
  ///
  /// The numbers were printed once by PyTorch 2.15 (CPU capability AVX512)
  /// running the book's `AdditiveAttention` and `masked_softmax` after
  /// `torch.manual_seed(0)`; `queries = torch.normal(0, 1, (2, 1, 20))`,
  /// `keys = torch.normal(0, 1, (2, 10, 2))`,
  /// `values = torch.normal(0, 1, (2, 10, 4))`; then
  /// `AdditiveAttention(num_hiddens=8, dropout=0.1).eval()` called on them,
  /// whose lazy layers draw `W_q`, `W_k`, `w_v` at that first call.
  @Test func reproducesTheBooksExample() throws {
    var generator = TorchGenerator(seed: 0)
    let queries = generator.randn([2, 1, 20])
    let keys = generator.randn([2, 10, 2])
    let values = generator.randn([2, 10, 4])
    var attention = try AdditiveAttention(keySize: 2, querySize: 20, numHiddens: 8, generator: &generator)
    let output = try attention(queries: queries, keys: keys, values: values, validLengths: [2, 6])
    #expect(output.shape == [2, 1, 4])
    let expectedOutput: [Double] = [
      0.40115252137184143, -0.973869800567627, -0.5182414650917053, -0.04564160481095314,
      0.2342008352279663, -0.4182577431201935, -0.13192106783390045, 0.030118614435195923,
    ]
    expectClose(output.scalars, expectedOutput)
    let weights = try #require(attention.attentionWeights)
    #expect(weights.shape == [2, 1, 10])
    let expectedWeights: [Double] = [
      0.47518929839134216, 0.5248107314109802, 0, 0, 0, 0, 0, 0, 0, 0,
      0.16981099545955658, 0.16367322206497192, 0.1567884236574173, 0.14270789921283722,
      0.21966736018657684, 0.14735208451747894, 0, 0, 0, 0,
    ]
    expectClose(weights.scalars, expectedWeights)
    for j in 2..<10 { #expect(weights[0, 0, j] == 0) }
    for j in 6..<10 { #expect(weights[1, 0, j] == 0) }
  }

  /// `nn.Linear`'s default initialisation, drawn in d2l's order W_q, W_k,
  /// w_v. Printed by PyTorch 2.15 (CPU capability AVX512) for
  /// `torch.manual_seed(0)` and then `nn.Linear(20, 8, bias=False)`,
  /// `nn.Linear(2, 8, bias=False)`, `nn.Linear(8, 1, bias=False)`:
  /// `.weight` (`[out, in]`, the transpose of ours).
  @Test func seededWeightsAreNNLinearsWeights() throws {
    let attention = try AdditiveAttention(keySize: 2, querySize: 20, numHiddens: 8, seed: 0)
    #expect(attention.queryWeight.shape == [20, 8])
    #expect(attention.keyWeight.shape == [2, 8])
    #expect(attention.scoreWeight.shape == [8, 1])
    let firstRow: [Float] = [
      -0.001674103899858892, 0.11995243281126022, -0.18403849005699158, -0.1645609736442566,
    ]
    for (i, value) in firstRow.enumerated() { #expect(attention.queryWeight[i, 0] == value) }
    #expect(attention.queryWeight[19, 7] == -0.09066643565893173)
    let keyWeight: [Float] = [
      -0.13619956374168396, -0.13883525133132935, -0.6345221996307373, -0.6105427742004395,
      -0.11064770072698593, 0.009144432842731476, -0.32122084498405457, 0.266366571187973,
      -0.6364373564720154, -0.047720685601234436, 0.6218434572219849, -0.28842318058013916,
      0.6385195851325989, 0.25608137249946594, -0.6381362080574036, 0.4473845660686493,
    ]
    #expect(attention.keyWeight.transposedLastTwo().scalars == keyWeight)
    let scoreWeight: [Float] = [
      -0.04079810529947281, -0.15782864391803741, 0.2827201187610626, -0.2857047915458679,
      0.03793802112340927, -0.07402301579713821, 0.25247693061828613, 0.09869249165058136,
    ]
    #expect(attention.scoreWeight.scalars == scoreWeight)
  }

  /// PyTorch's generic kernel (`ATEN_CPU_CAPABILITY=default`) rounds the
  /// product and the sum of `x·(to − from) + from` apart; same script as
  /// above, `nn.Linear(20, 8, bias=False).weight[0, :2]` and `[7, 19]`.
  @Test func genericKernelRoundsTwice() {
    var generator = TorchGenerator(seed: 0, normalKernel: .generic)
    let weight = generator.linearWeight(inputSize: 20, outputSize: 8)
    #expect(weight[0, 0] == -0.0016741007566452026)
    #expect(weight[1, 0] == 0.11995244026184082)
    #expect(weight[19, 7] == -0.09066644310951233)
  }

  @Test func uniformSamplesStayInTheirRange() {
    var generator = TorchGenerator(seed: UInt64.random(in: 0...UInt64(UInt32.max)))
    let samples = generator.uniform([4099], from: -0.25, to: 0.75)
    #expect(samples.scalars.allSatisfy { $0 >= -0.25 && $0 < 0.75 })
    let mean = samples.scalars.reduce(0, +) / Float(samples.count)
    #expect(abs(mean - 0.25) < 0.03)
  }

  @Test func rejectsWeightsThatDisagree() {
    expectAttentionError(.shapeMismatch, mentioning: ["W_q [5, 9]", "W_k [3, 8]"]) {
      _ = try AdditiveAttention(
        queryWeight: .zeros([5, 9]), keyWeight: .zeros([3, 8]), scoreWeight: .zeros([9, 1]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["w_v", "[9]", "[9, 1]"]) {
      _ = try AdditiveAttention(
        queryWeight: .zeros([5, 9]), keyWeight: .zeros([3, 9]), scoreWeight: .zeros([9]))
    }
    expectAttentionError(.invalidArgument, mentioning: ["numHiddens"]) {
      _ = try AdditiveAttention(keySize: 2, querySize: 3, numHiddens: 0)
    }
  }

  @Test func rejectsQueriesTheProjectionDoesNotFit() throws {
    var attention = try AdditiveAttention(keySize: 2, querySize: 20, numHiddens: 8)
    expectAttentionError(.shapeMismatch, mentioning: ["W_q [20, 8]", "queries [2, 1, 5]"]) {
      _ = try attention(queries: .zeros([2, 1, 5]), keys: .zeros([2, 10, 2]), values: .zeros([2, 10, 4]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["3 valid lengths"]) {
      _ = try attention(
        queries: .zeros([2, 1, 20]), keys: .zeros([2, 10, 2]), values: .zeros([2, 10, 4]),
        validLengths: [1, 2, 3])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["11", "0...10"]) {
      _ = try attention(
        queries: .zeros([2, 1, 20]), keys: .zeros([2, 10, 2]), values: .zeros([2, 10, 4]),
        validLengths: [1, 11])
    }
  }
}
