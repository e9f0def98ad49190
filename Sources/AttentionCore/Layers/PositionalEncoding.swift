import Foundation

/// Sinusoidal positional encoding, d2l's `PositionalEncoding` (Vaswani et
/// al.): a fixed table added to the inputs so attention, which ignores order,
/// can tell positions apart.
///
/// Legend: `B` batch, `L` sequence length, `d` features (`numHiddens`).
///
/// Row `i` of the table holds, for `j` in `0..<⌈d/2⌉`,
/// `P[i, 2j] = sin(i / 10000^(2j/d))` and `P[i, 2j+1] = cos(i / 10000^(2j/d))`:
/// each pair of columns is a rotation at its own frequency, from one radian
/// per position down to 1/10000, so nearby positions share the slow columns
/// and differ in the fast ones, and `P[i + k]` is a fixed linear function of
/// `P[i]`.
///
/// The table is computed in float32 in d2l's order:
/// `X = arange(maxLength)[:, None] / pow(10000, arange(0, d, 2) / d)`, then
/// `sin(X)` and `cos(X)`, each step rounded to float32 once. PyTorch runs
/// `pow`, `sin` and `cos` through SLEEF's vectorised routines (within 1 ulp)
/// for most elements and through libm for the rest, depending on the CPU, so
/// its table agrees with this one to an ulp wherever its angles `X` are the
/// same, and to the float32 rounding of `X` (about `|X|·2⁻²⁴`) where a
/// denominator came out an ulp apart.
///
/// An odd `d` is accepted: the last column is a sine with no cosine partner.
/// (d2l's code fails there, assigning `⌈d/2⌉` cosine columns to `⌊d/2⌋`
/// slots.) d2l's dropout after the addition is omitted: this is the layer
/// at inference time.
public struct PositionalEncoding: Sendable {
  /// `d`, the width of each encoding vector.
  public let numHiddens: Int
  /// The number of positions in the table.
  public let maxLength: Int
  /// The table `P`, `[maxLength, numHiddens]`, for adding or for drawing.
  public let encoding: Tensor

  /// Computes the table.
  ///
  /// - Parameters:
  ///   - numHiddens: `d`, at least 1.
  ///   - maxLength: the number of positions, at least 0; d2l's default is 1000.
  /// - Throws: `AttentionError` if a size is out of range.
  public init(numHiddens: Int, maxLength: Int = 1000) throws {
    guard numHiddens >= 1, maxLength >= 0 else {
      throw AttentionError.invalidArgument(
        "positional encoding needs numHiddens >= 1 and maxLength >= 0, got \(numHiddens) and \(maxLength)")
    }
    self.numHiddens = numHiddens
    self.maxLength = maxLength
    let frequencies = (numHiddens + 1) / 2
    // 10000^(2j/d): the exponent is a float32 quotient, as torch divides a
    // float32 arange by d; the power is rounded to float32 once.
    let denominators = (0..<frequencies).map { j -> Float in
      let exponent = Float(2 * j) / Float(numHiddens)
      return Float(Foundation.pow(10000, Double(exponent)))
    }
    var table = [Float](repeating: 0, count: maxLength * numHiddens)
    for i in 0..<maxLength {
      for j in 0..<frequencies {
        let angle = Double(Float(i) / denominators[j])  // X[i, j], a float32 quotient
        table[i * numHiddens + 2 * j] = Float(Foundation.sin(angle))
        if 2 * j + 1 < numHiddens { table[i * numHiddens + 2 * j + 1] = Float(Foundation.cos(angle)) }
      }
    }
    encoding = Tensor(shape: [maxLength, numHiddens], scalars: table)
  }

  /// Adds the encoding of positions `0..<L` to every sequence of `x`.
  ///
  /// - Parameter x: `[B, L, d]` (or any `[..., L, d]`), `L <= maxLength`.
  /// - Returns: `x + P[:L]`, the shape of `x`.
  /// - Throws: `AttentionError` if `x` has fewer than 2 axes, a last axis
  ///   other than `d`, or more than `maxLength` positions.
  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank >= 2, x.shape[x.rank - 1] == numHiddens, x.shape[x.rank - 2] <= maxLength else {
      throw AttentionError.shapeMismatch(
        "positional encoding [\(maxLength), \(numHiddens)] does not fit x \(x.shape): "
          + "expected [..., L, \(numHiddens)] with L <= \(maxLength)")
    }
    let block = x.shape[x.rank - 2] * numHiddens  // the L·d elements of P[:L]
    var sum = x
    guard block > 0 else { return sum }
    sum.scalars.withUnsafeMutableBufferPointer { output in
      encoding.scalars.withUnsafeBufferPointer { table in
        for start in stride(from: 0, to: output.count, by: block) {
          for offset in 0..<block { output[start + offset] += table[offset] }
        }
      }
    }
    return sum
  }
}
