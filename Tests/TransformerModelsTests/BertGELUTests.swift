import AttentionCore
import AttentionTestSupport
import Foundation
import Testing

@testable import TransformerModels

@Suite struct BertGELUTests {
  /// GELU against the erf of the C library in Float64, on a dense grid and at the edges.
  @Test func matchesTheErfDefinition() {
    var inputs = stride(from: -12.0, through: 12.0, by: 1.0 / 1024).map { Float($0) }
    inputs += [
      0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, 3.999, 4.001, -5.657, 5.657, 1e20, -1e20,
    ]
    // Odd row width, and a bias that the same pass adds first.
    let width = 7
    while inputs.count % width != 0 { inputs.append(0.5) }
    var random = BertTestRandom(seed: 0x6E1)
    let bias = (0..<width).map { _ in Float.random(in: -1...1, using: &random) }
    var tensor = Tensor(shape: [inputs.count / width, width], scalars: inputs)
    GELU.apply(&tensor, bias: Tensor(shape: [width], scalars: bias))
    var worst = 0.0
    for (index, y) in tensor.scalars.enumerated() {
      let x = Double(inputs[index] + bias[index % width])
      let exact = x * 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
      // Absolute near zero, relative for large |x| where GELU(x) ≈ x.
      let error = abs(Double(y) - exact) / max(1, abs(exact))
      worst = max(worst, error)
      #expect(error <= 1e-6, "GELU(\(x)) = \(y), expected \(exact)")
    }
    #expect(worst > 0, "the comparison saw no rounding at all, so it compared nothing")
  }

  @Test func erfIsOddAndBounded() {
    var random = BertTestRandom(seed: 0xE2F)
    for _ in 0..<10_000 {
      let x = Float.random(in: -6...6, using: &random)
      #expect(GELU.erf(-x) == -GELU.erf(x))
      #expect(abs(GELU.erf(x)) <= 1)
      #expect(abs(Double(GELU.erf(x)) - Foundation.erf(Double(x))) <= 4e-7, "erf(\(x))")
    }
  }

  @Test func nanStaysNaN() {
    var values = Tensor(shape: [1, 3], scalars: [.nan, .infinity, -.infinity])
    GELU.apply(&values, bias: .zeros([3]))
    #expect(values.scalars[0].isNaN)
    #expect(values.scalars[1] == .infinity)
    #expect(values.scalars[2].isNaN || values.scalars[2] == 0)
  }
}
