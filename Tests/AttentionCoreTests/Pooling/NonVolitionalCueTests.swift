import Testing

@testable import AttentionCore

@Suite struct NonVolitionalCueTests {
  let batch = 3
  let keyCount = 7
  let depth = 5
  let valueDepth = 9

  /// Lengths the reference uses: a length of 0 lets every key take part.
  private func competitors(_ validLengths: [Int]?) -> [Int] {
    (validLengths ?? Array(repeating: keyCount, count: batch)).map { $0 == 0 ? keyCount : $0 }
  }

  @Test func averagePoolingIsTheMeanOfTheValidValues() throws {
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths = RandomTensors.validLengths(count: batch, maximum: keyCount)
    let (output, attentionWeights) = try averagePooling(values: values, validLengths: validLengths)
    #expect(output.shape == [batch, 1, valueDepth])
    #expect(attentionWeights.shape == [batch, 1, keyCount])
    var expectedOutput: [Double] = []
    var expectedWeights: [Double] = []
    for (b, count) in competitors(validLengths).enumerated() {
      expectedWeights += (0..<keyCount).map { $0 < count ? 1 / Double(count) : 0 }
      expectedOutput += (0..<valueDepth).map { feature in
        (0..<count).reduce(0.0) { $0 + Double(values[b, $1, feature]) } / Double(count)
      }
    }
    expectClose(attentionWeights.scalars, expectedWeights)
    expectClose(output.scalars, expectedOutput)
  }

  @Test func maxPoolingTakesTheElementwiseMaximumAndReportsWinners() throws {
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let validLengths = RandomTensors.validLengths(count: batch, maximum: keyCount)
    let (output, attentionWeights) = try maxPooling(values: values, validLengths: validLengths)
    #expect(output.shape == [batch, 1, valueDepth])
    #expect(attentionWeights.shape == [batch, 1, keyCount])
    for (b, count) in competitors(validLengths).enumerated() {
      var wins = [Int](repeating: 0, count: keyCount)
      for feature in 0..<valueDepth {
        let column = (0..<count).map { values[b, $0, feature] }
        let best = column.max()!
        #expect(output[b, 0, feature] == best)
        wins[column.firstIndex(of: best)!] += 1
      }
      #expect((0..<keyCount).map { attentionWeights[b, 0, $0] } == wins.map { Float($0) / Float(valueDepth) })
    }
  }

  @Test func maxPoolingGivesTiesToTheFirstKey() throws {
    // Keys 1 and 2 hold the same maxima; key 1 must get every feature.
    let values = Tensor(shape: [1, 3, 2], scalars: [0, 0, 5, 7, 5, 7])
    let (output, attentionWeights) = try maxPooling(values: values)
    #expect(output.scalars == [5, 7])
    #expect(attentionWeights.scalars == [0, 1, 0])
    // One feature each from keys 0 and 2.
    let split = try maxPooling(values: Tensor(shape: [1, 3, 2], scalars: [9, 0, 1, 1, 2, 3]))
    #expect(split.output.scalars == [9, 3])
    #expect(split.attentionWeights.scalars == [0.5, 0, 0.5])
  }

  @Test func fullyConnectedPoolingScoresEachKeyAlone() throws {
    let keys = RandomTensors.uniform([batch, keyCount, depth])
    let values = RandomTensors.uniform([batch, keyCount, valueDepth])
    let weight = RandomTensors.uniform([depth])
    let bias = Float.random(in: -1...1)
    let validLengths = RandomTensors.validLengths(count: batch, maximum: keyCount)
    let (output, attentionWeights) = try fullyConnectedPooling(
      keys: keys, values: values, weight: weight, bias: bias, validLengths: validLengths)
    #expect(output.shape == [batch, 1, valueDepth])
    #expect(attentionWeights.shape == [batch, 1, keyCount])
    var scores: [Double] = []
    for b in 0..<batch {
      for k in 0..<keyCount {
        scores.append(
          (0..<depth).reduce(Double(bias)) { $0 + Double(keys[b, k, $1]) * Double(weight.scalars[$1]) })
      }
    }
    let expectedWeights = Reference.maskedSoftmax(scores, rowLength: keyCount, rowValidLengths: validLengths)
    expectClose(attentionWeights.scalars, expectedWeights)
    expectClose(
      output.scalars, Reference.matmulDouble(expectedWeights, [batch, 1, keyCount], values),
      relative: 1e-5, absolute: 1e-5)
    // nn.Linear(D, 1).weight has shape [1, D]; it means the same.
    let linearShaped = try fullyConnectedPooling(
      keys: keys, values: values, weight: weight.reshaped([1, depth]), bias: bias, validLengths: validLengths)
    #expect(linearShaped.attentionWeights == attentionWeights)
    let scoresOnly = try fullyConnectedScores(keys: keys, weight: weight, bias: bias)
    #expect(scoresOnly.shape == [batch, 1, keyCount])
    expectClose(scoresOnly.scalars, scores, relative: 1e-5, absolute: 1e-5)
  }

  @Test func cueShapeErrors() {
    expectAttentionError(.shapeMismatch, mentioning: ["weight [4]", "keys [2, 3, 5]"]) {
      _ = try fullyConnectedPooling(keys: .zeros([2, 3, 5]), values: .zeros([2, 3, 1]), weight: .zeros([4]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["keys [2, 3, 5]", "values [2, 4, 1]"]) {
      _ = try fullyConnectedPooling(keys: .zeros([2, 3, 5]), values: .zeros([2, 4, 1]), weight: .zeros([5]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[3, 4]"]) {
      _ = try averagePooling(values: .zeros([3, 4]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["8", "0...7"]) {
      _ = try maxPooling(values: .zeros([1, 7, 2]), validLengths: [8])
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["2 valid lengths", "[3, 7, 2]"]) {
      _ = try averagePooling(values: .zeros([3, 7, 2]), validLengths: [1, 2])
    }
  }
}
