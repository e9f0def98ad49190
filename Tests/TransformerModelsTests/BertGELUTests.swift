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
    var outputs = inputs
    GELU.apply(&outputs)
    var worst = 0.0
    for (x, y) in zip(inputs, outputs) {
      let exact = Double(x) * 0.5 * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
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
    var values: [Float] = [.nan, .infinity, -.infinity]
    GELU.apply(&values)
    #expect(values[0].isNaN)
    #expect(values[1] == .infinity)
    #expect(values[2].isNaN || values[2] == 0)
  }
}
