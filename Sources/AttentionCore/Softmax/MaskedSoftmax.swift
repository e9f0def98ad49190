/// Softmax over the keys with the keys past each valid length masked out,
/// as d2l's `masked_softmax(X, valid_lens)`.
///
/// Legend: `B` batch, `Lq` queries, `Lk` keys.
///
/// In each row of `scores`, positions at index >= the row's valid length
/// take the logit -1e6 before the softmax, so they get weight 0 — unless
/// the valid length is 0, when every position holds -1e6 and the row comes
/// out uniform (1/Lk each), exactly as in d2l.
///
/// - Parameters:
///   - scores: `[B, Lq, Lk]`.
///   - validLengths: `nil` (no mask); `[B]`, one length per batch element,
///     repeated over its queries; or `[B·Lq]`, one per query (a `[B, Lq]`
///     array flattened row-major). Each length is in `0...Lk`.
/// - Returns: `[B, Lq, Lk]`, each row summing to 1.
/// - Throws: `AttentionError` if `scores` is not 3-D or the valid lengths
///   have the wrong count or a length outside `0...Lk`.
public func maskedSoftmax(_ scores: Tensor, validLengths: [Int]?) throws -> Tensor {
  guard scores.rank == 3 else {
    throw AttentionError.shapeMismatch(
      "maskedSoftmax needs scores [B, Lq, Lk], got \(scores.shape) (rank \(scores.rank))")
  }
  let (batch, queries, keys) = (scores.shape[0], scores.shape[1], scores.shape[2])
  let rowValidLengths = try ValidLengths.perRow(
    validLengths, batch: batch, queries: queries, keys: keys, for: "scores \(scores.shape)")
  return maskedSoftmax(scores, rowValidLengths: rowValidLengths)
}

/// `maskedSoftmax(_:validLengths:)` with the valid lengths as a tensor, as
/// d2l passes them: `[B]` (per batch element) or `[B, Lq]` (per query).
///
/// - Parameters:
///   - scores: `[B, Lq, Lk]`.
///   - validLengths: `[B]` or `[B, Lq]`, whole numbers in `0...Lk`.
/// - Returns: `[B, Lq, Lk]`.
/// - Throws: `AttentionError` for a wrong shape, a fractional length or a
///   length outside `0...Lk`.
public func maskedSoftmax(_ scores: Tensor, validLengths: Tensor) throws -> Tensor {
  try maskedSoftmax(scores, validLengths: ValidLengths.integers(from: validLengths, scores: scores))
}

/// Masked softmax with one already-checked valid length per row of `scores`.
func maskedSoftmax(_ scores: Tensor, rowValidLengths: [Int]?) -> Tensor {
  let rowLength = scores.shape.last ?? 1
  let scalars = [Float](unsafeUninitializedCapacity: scores.count) { output, initialized in
    scores.scalars.withUnsafeBufferPointer { input in
      if let rowValidLengths {
        rowValidLengths.withUnsafeBufferPointer { lengths in
          SoftmaxKernel.maskedRows(input, output: output, rowLength: rowLength, rowValidLengths: lengths)
        }
      } else {
        SoftmaxKernel.rows(input, output: output, rowLength: rowLength)
      }
    }
    initialized = scores.count
  }
  return Tensor(shape: scores.shape, scalars: scalars)
}

extension SoftmaxKernel {
  /// Masked softmax of consecutive rows, one valid length per row.
  ///
  /// - Parameters:
  ///   - input: `(rows, rowLength)`.
  ///   - output: `(rows, rowLength)`; every element is written.
  ///   - rowValidLengths: `(rows,)`, each in `0...rowLength`.
  static func maskedRows(
    _ input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>, rowLength: Int,
    rowValidLengths: UnsafeBufferPointer<Int>
  ) {
    precondition(input.count == output.count, "input \(input.count) vs output \(output.count)")
    guard rowLength > 0, input.count > 0 else { return }
    let rowCount = input.count / rowLength
    precondition(rowCount * rowLength == input.count, "\(input.count) elements are not rows of \(rowLength)")
    precondition(
      rowValidLengths.count == rowCount, "\(rowValidLengths.count) valid lengths for \(rowCount) rows")
    let source = input.baseAddress!
    let destination = output.baseAddress!
    ParallelRows.forEachChunk(rows: rowCount, rowLength: rowLength) { rows in
      for r in rows {
        row(
          source + r * rowLength, output: destination + r * rowLength, length: rowLength,
          validLength: rowValidLengths[r])
      }
    }
  }
}
