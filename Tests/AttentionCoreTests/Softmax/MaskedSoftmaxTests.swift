import Testing

@testable import AttentionCore

@Suite struct MaskedSoftmaxTests {
  /// `torch.manual_seed(0); X = torch.rand(2, 2, 4)` (checked bit for bit in
  /// TorchGeneratorTests), the input of d2l's examples.
  private let d2lScores = Tensor.rand([2, 2, 4], seed: 0)

  @Test func d2lPerBatchExample() throws {
    // d2l: masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3])).
    // Expected values printed by PyTorch 2.15 for the seed-0 input.
    let weights = try maskedSoftmax(d2lScores, validLengths: [2, 3])
    #expect(weights.shape == [2, 2, 4])
    let expected: [Double] = [
      0.43242469, 0.56757528, 0, 0, 0.41905454, 0.58094549, 0, 0,
      0.32341409, 0.38591293, 0.29067299, 0, 0.28819886, 0.33368048, 0.37812069, 0,
    ]
    expectClose(weights.scalars, expected, relative: 1e-6, absolute: 1e-8)
    // Masked positions are exactly zero, and every row sums to 1.
    for (b, validLength) in [2, 3].enumerated() {
      for q in 0..<2 {
        #expect((validLength..<4).allSatisfy { weights[b, q, $0] == 0 })
        let sum = (0..<4).reduce(0.0) { $0 + Double(weights[b, q, $1]) }
        #expect(abs(sum - 1) <= 1e-6)
      }
    }
  }

  @Test func d2lPerQueryExample() throws {
    // d2l: masked_softmax(torch.rand(2, 2, 4), torch.tensor([[1, 3], [2, 4]])).
    let expected: [Double] = [
      1, 0, 0, 0, 0.27880445, 0.38651338, 0.33468214, 0,
      0.45594493, 0.54405499, 0, 0, 0.19560714, 0.22647657, 0.25663912, 0.32127720,
    ]
    let flat = try maskedSoftmax(d2lScores, validLengths: [1, 3, 2, 4])
    expectClose(flat.scalars, expected, relative: 1e-6, absolute: 1e-8)
    let asTensor = try maskedSoftmax(d2lScores, validLengths: Tensor(rows: [[1, 3], [2, 4]]))
    #expect(asTensor == flat)
    let perBatchTensor = try maskedSoftmax(d2lScores, validLengths: Tensor([2, 3]))
    #expect(perBatchTensor == (try maskedSoftmax(d2lScores, validLengths: [2, 3])))
  }

  @Test func validLengthZeroGivesAUniformRowAsD2l() throws {
    let weights = try maskedSoftmax(d2lScores, validLengths: [0, 4])
    #expect((0..<2).allSatisfy { q in (0..<4).allSatisfy { weights[0, q, $0] == 0.25 } })
    #expect(Array(weights.scalars[8...]) == softmax(d2lScores).scalars[8...].map { $0 })
  }

  @Test func matchesFloat64ReferenceWithPerBatchLengths() throws {
    let (batch, queries, keys) = (3, 5, 7)
    let scores = RandomTensors.uniform([batch, queries, keys], in: -6...6)
    let validLengths = RandomTensors.validLengths(count: batch, maximum: keys)
    let weights = try maskedSoftmax(scores, validLengths: validLengths)
    let rowLengths = Reference.rowValidLengths(validLengths, batch: batch, queries: queries, keys: keys)
    let expected = Reference.maskedSoftmax(
      scores.scalars.map(Double.init), rowLength: keys, rowValidLengths: rowLengths)
    expectClose(weights.scalars, expected)
  }

  @Test func kernelWithPerQueryLengthsWritesEveryElementOfAPoisonedOutput() {
    let (batch, queries, keys) = (3, 5, 7)
    let scores = RandomTensors.uniform([batch, queries, keys], in: -6...6)
    let rowLengths = RandomTensors.validLengths(count: batch * queries, maximum: keys)
    var output = poisoned(scores.count)
    scores.scalars.withUnsafeBufferPointer { input in
      rowLengths.withUnsafeBufferPointer { lengths in
        output.withUnsafeMutableBufferPointer {
          SoftmaxKernel.rows(input, output: $0, rowLength: keys, rowValidLengths: lengths)
        }
      }
    }
    let expected = Reference.maskedSoftmax(
      scores.scalars.map(Double.init), rowLength: keys, rowValidLengths: rowLengths)
    expectClose(output, expected)
  }

  @Test func intoAnExistingTensorGivesTheSameWeights() throws {
    let (batch, queries, keys) = (2, 3, 1001)
    let scores = RandomTensors.uniform([batch, queries, keys], in: -9...9)
    for validLengths in [nil, RandomTensors.validLengths(count: batch, maximum: keys)] {
      var weights = Tensor(repeating: .nan, shape: scores.shape)
      try maskedSoftmax(scores, validLengths: validLengths, into: &weights, threads: 2)
      #expect(weights == (try maskedSoftmax(scores, validLengths: validLengths)))
    }
  }

  @Test func intoChecksTheOutputShapeAndTheLengths() {
    let scores = Tensor.zeros([2, 3, 4])
    var wrongShape = Tensor.zeros([2, 4, 3])
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 4]", "[2, 4, 3]"]) {
      try maskedSoftmax(scores, validLengths: [1, 2], into: &wrongShape)
    }
    var weights = Tensor.zeros([2, 3, 4])
    expectAttentionError(.invalidValidLengths, mentioning: ["5", "0...4"]) {
      try maskedSoftmax(scores, validLengths: [1, 5], into: &weights)
    }
    var flat = Tensor.zeros([6, 4])
    expectAttentionError(.shapeMismatch, mentioning: ["[6, 4]"]) {
      try maskedSoftmax(Tensor.zeros([6, 4]), validLengths: nil, into: &flat)
    }
  }

  @Test func noValidLengthsIsPlainSoftmax() throws {
    let scores = RandomTensors.uniform([3, 5, 7])
    #expect(try maskedSoftmax(scores, validLengths: nil) == softmax(scores))
  }

  @Test func wrongCountsRangesAndShapesThrow() {
    let scores = Tensor.zeros([2, 3, 4])
    expectAttentionError(.invalidValidLengths, mentioning: ["5", "[2, 3, 4]", "2", "6"]) {
      _ = try maskedSoftmax(scores, validLengths: [1, 2, 3, 4, 1])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["5", "0...4"]) {
      _ = try maskedSoftmax(scores, validLengths: [1, 5])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["-1", "0...4"]) {
      _ = try maskedSoftmax(scores, validLengths: [-1, 2])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["1.5"]) {
      _ = try maskedSoftmax(scores, validLengths: Tensor([1.5, 2]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["[3, 2]", "[2, 3]"]) {
      _ = try maskedSoftmax(scores, validLengths: Tensor.ones([3, 2]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[3, 4]"]) {
      _ = try maskedSoftmax(.zeros([3, 4]), validLengths: [1, 2, 3])
    }
  }
}
