/// Softmax along the last axis: every row becomes a probability distribution.
///
/// Each row's maximum is subtracted before exponentiation, so rows of large
/// logits (±1e4 and beyond) give finite weights that sum to 1. A row
/// containing +∞, or only -∞, gives NaN, as in PyTorch.
///
/// - Parameter logits: `[..., L]`; a scalar is one row of length 1.
/// - Returns: the weights, same shape as `logits`.
public func softmax(_ logits: Tensor) -> Tensor {
  let rowLength = logits.shape.last ?? 1
  let scalars = [Float](unsafeUninitializedCapacity: logits.count) { output, initialized in
    logits.scalars.withUnsafeBufferPointer { input in
      SoftmaxKernel.rows(input, output: output, rowLength: rowLength)
    }
    initialized = logits.count
  }
  return Tensor(shape: logits.shape, scalars: scalars)
}

/// Row-wise softmax kernels writing into caller memory.
enum SoftmaxKernel {
  /// The logit d2l's `masked_softmax` puts at masked positions. Finite on
  /// purpose: a row whose keys are all masked becomes uniform, not NaN.
  static let maskedLogit: Float = -1e6

  /// Softmax of consecutive rows of `rowLength` elements.
  ///
  /// - Parameters:
  ///   - input: `(rows, rowLength)`.
  ///   - output: `(rows, rowLength)`; every element is written.
  static func rows(
    _ input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>, rowLength: Int
  ) {
    precondition(input.count == output.count, "input \(input.count) vs output \(output.count)")
    guard rowLength > 0, input.count > 0 else { return }
    precondition(input.count % rowLength == 0, "\(input.count) elements are not rows of \(rowLength)")
    let source = input.baseAddress!
    let destination = output.baseAddress!
    ParallelRows.forEachChunk(rows: input.count / rowLength, rowLength: rowLength) { rows in
      for r in rows {
        row(
          source + r * rowLength, output: destination + r * rowLength, length: rowLength,
          validLength: rowLength)
      }
    }
  }

  /// Softmax of one row whose elements at index >= `validLength` count as
  /// `maskedLogit`, whatever `input` holds there.
  ///
  /// - Parameters:
  ///   - input: `(length,)`.
  ///   - output: `(length,)`; may be the same memory as `input`.
  ///   - validLength: in `0...length`.
  static func row(
    _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, length: Int, validLength: Int
  ) {
    precondition(validLength >= 0 && validLength <= length, "valid length \(validLength) of \(length)")
    let maskedCount = length - validLength
    // 1. The row maximum, masked positions included.
    var peak = maximum(input, count: validLength)
    if maskedCount > 0 { peak = max(peak, maskedLogit) }
    // 2. exp(x - max), then its sum.
    for i in 0..<validLength { output[i] = ExpKernel.nonPositive(input[i] - peak) }
    var sum = self.sum(UnsafePointer(output), count: validLength)
    if maskedCount > 0 {
      let masked = ExpKernel.nonPositive(maskedLogit - peak)
      for i in validLength..<length { output[i] = masked }
      sum += masked * Float(maskedCount)
    }
    // 3. Normalise.
    for i in 0..<length { output[i] /= sum }
  }

  /// The largest of `count` floats (-∞ when empty). Eight running maxima
  /// let the loop use SIMD lanes; a NaN may be skipped, but it still turns
  /// its row into NaN through the exponentials.
  @inline(__always)
  private static func maximum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var lanes = (
      -Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity,
      -Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity
    )
    var i = 0
    while i + 8 <= count {
      lanes.0 = values[i] > lanes.0 ? values[i] : lanes.0
      lanes.1 = values[i + 1] > lanes.1 ? values[i + 1] : lanes.1
      lanes.2 = values[i + 2] > lanes.2 ? values[i + 2] : lanes.2
      lanes.3 = values[i + 3] > lanes.3 ? values[i + 3] : lanes.3
      lanes.4 = values[i + 4] > lanes.4 ? values[i + 4] : lanes.4
      lanes.5 = values[i + 5] > lanes.5 ? values[i + 5] : lanes.5
      lanes.6 = values[i + 6] > lanes.6 ? values[i + 6] : lanes.6
      lanes.7 = values[i + 7] > lanes.7 ? values[i + 7] : lanes.7
      i += 8
    }
    var result = max(
      max(max(lanes.0, lanes.1), max(lanes.2, lanes.3)), max(max(lanes.4, lanes.5), max(lanes.6, lanes.7)))
    while i < count {
      result = values[i] > result ? values[i] : result
      i += 1
    }
    return result
  }

  /// The sum of `count` floats, in eight running partial sums (SIMD lanes,
  /// and a smaller rounding error than one long chain).
  @inline(__always)
  private static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
    var lanes: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
    var i = 0
    while i + 8 <= count {
      lanes.0 += values[i]
      lanes.1 += values[i + 1]
      lanes.2 += values[i + 2]
      lanes.3 += values[i + 3]
      lanes.4 += values[i + 4]
      lanes.5 += values[i + 5]
      lanes.6 += values[i + 6]
      lanes.7 += values[i + 7]
      i += 8
    }
    var result = ((lanes.0 + lanes.1) + (lanes.2 + lanes.3)) + ((lanes.4 + lanes.5) + (lanes.6 + lanes.7))
    while i < count {
      result += values[i]
      i += 1
    }
    return result
  }
}
