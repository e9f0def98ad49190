import Foundation
import Testing

@testable import AttentionCore

@Suite struct PositionalEncodingTests {
  /// Within the float32 rounding of the angle X: the power and the quotient
  /// are rounded once each, and the exponent `e = 2j/d` once, which the power
  /// magnifies by `ln(10000)·e`; then the sine or cosine is rounded.
  @Test(arguments: [32, 7, 1])
  func tableMatchesTheFloat64Formula(numHiddens: Int) throws {
    let maxLength = 1000
    let encoding = try PositionalEncoding(numHiddens: numHiddens, maxLength: maxLength)
    #expect(encoding.encoding.shape == [maxLength, numHiddens])
    let reference = LayerReference.positionalEncoding(numHiddens: numHiddens, maxLength: maxLength)
    for index in reference.table.indices {
      let exponent = Double(2 * ((index % numHiddens) / 2)) / Double(numHiddens)
      let angleUlps = 2 + Foundation.log(10000) * exponent
      let allowance = (angleUlps + 0.5) * 0x1p-24 * abs(reference.angles[index]) + 0x1p-24
      let error = abs(Double(encoding.encoding.scalars[index]) - reference.table[index])
      #expect(
        error <= allowance,
        "element \(index): \(encoding.encoding.scalars[index]) vs \(reference.table[index])")
    }
  }

  /// Values of d2l's table for d = 32, printed once by PyTorch 2.15 (CPU
  /// capability AVX512) from the book's code:
  /// `X = torch.arange(1000, dtype=torch.float32).reshape(-1, 1) /
  /// torch.pow(10000, torch.arange(0, 32, 2, dtype=torch.float32) / 32)`,
  /// `P[:, :, 0::2] = torch.sin(X)`, `P[:, :, 1::2] = torch.cos(X)`.
  /// PyTorch's sine and cosine are SLEEF's (within 1 ulp), so one ulp apart
  /// is allowed; an angle rounded differently would show at i = 999.
  @Test func tableMatchesPyTorchForThirtyTwoFeatures() throws {
    let encoding = try PositionalEncoding(numHiddens: 32)
    let facts: [(i: Int, j: Int, value: Float)] = [
      (0, 0, 0.0), (0, 1, 1.0), (1, 0, 0.8414709568023682), (1, 1, 0.5403023362159729),
      (7, 6, 0.9473307132720947), (59, 9, 0.9274784922599792), (500, 17, 0.28366219997406006),
      (999, 0, -0.02646075189113617), (999, 1, 0.9996498227119446), (999, 30, 0.17671717703342438),
      (999, 31, 0.984261691570282), (123, 12, -0.6801806688308716),
    ]
    for fact in facts {
      let value = encoding.encoding[fact.i, fact.j]
      #expect(
        abs(value - fact.value) <= fact.value.ulp, "P[\(fact.i), \(fact.j)] = \(value), torch \(fact.value)")
    }
  }

  @Test func oddWidthEndsWithASine() throws {
    let encoding = try PositionalEncoding(numHiddens: 5, maxLength: 20)
    for i in 0..<20 {
      let angle = Double(i) / Foundation.pow(10000, 0.8)
      #expect(abs(Double(encoding.encoding[i, 4]) - Foundation.sin(angle)) <= 1e-6)
    }
  }

  @Test func addsTheFirstRowsToEverySequence() throws {
    let (batch, length, numHiddens) = (3, 7, 5)
    let positional = try PositionalEncoding(numHiddens: numHiddens, maxLength: 9)
    let x = RandomTensors.uniform([batch, length, numHiddens])
    let sum = try positional(x)
    #expect(sum.shape == x.shape)
    for b in 0..<batch {
      for l in 0..<length {
        for d in 0..<numHiddens { #expect(sum[b, l, d] == x[b, l, d] + positional.encoding[l, d]) }
      }
    }
  }

  @Test func rejectsSequencesTheTableDoesNotCover() throws {
    let positional = try PositionalEncoding(numHiddens: 4, maxLength: 6)
    expectAttentionError(.shapeMismatch, mentioning: ["[6, 4]", "[1, 7, 4]"]) {
      _ = try positional(.zeros([1, 7, 4]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[1, 3, 5]"]) {
      _ = try positional(.zeros([1, 3, 5]))
    }
    expectAttentionError(.invalidArgument, mentioning: ["numHiddens"]) {
      _ = try PositionalEncoding(numHiddens: 0)
    }
  }
}
