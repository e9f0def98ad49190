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

/// `maskedSoftmax(_:validLengths:)` written into an existing tensor, which
/// skips allocating (and page-faulting) a fresh output.
///
/// - Parameters:
///   - scores: `[B, Lq, Lk]`.
///   - validLengths: `nil`, `[B]` or `[B·Lq]`, each in `0...Lk`, as for
///     `maskedSoftmax(_:validLengths:)`.
///   - weights: `[B, Lq, Lk]`; every element is overwritten.
///   - threads: how many threads share the rows; `nil` picks by size.
/// - Throws: `AttentionError` if `scores` is not 3-D, `weights` has another
///   shape, or the valid lengths are wrong.
public func maskedSoftmax(
  _ scores: Tensor, validLengths: [Int]?, into weights: inout Tensor, threads: Int? = nil
) throws {
  guard scores.rank == 3 else {
    throw AttentionError.shapeMismatch(
      "maskedSoftmax needs scores [B, Lq, Lk], got \(scores.shape) (rank \(scores.rank))")
  }
  guard weights.shape == scores.shape else {
    throw AttentionError.shapeMismatch(
      "masked softmax of scores \(scores.shape) cannot be written into weights \(weights.shape)")
  }
  let rowValidLengths = try ValidLengths.perRow(
    validLengths, batch: scores.shape[0], queries: scores.shape[1], keys: scores.shape[2],
    for: "scores \(scores.shape)")
  let rowLength = scores.shape[2]
  scores.scalars.withUnsafeBufferPointer { input in
    weights.scalars.withUnsafeMutableBufferPointer { output in
      withOptionalBuffer(rowValidLengths) { lengths in
        SoftmaxKernel.rows(
          input, output: output, rowLength: rowLength, rowValidLengths: lengths, threads: threads)
      }
    }
  }
}

/// Masked softmax with one already-checked valid length per row of `scores`.
func maskedSoftmax(_ scores: Tensor, rowValidLengths: [Int]?) -> Tensor {
  let rowLength = scores.shape.last ?? 1
  let scalars = SoftmaxKernel.freshScalars(count: scores.count) { output in
    scores.scalars.withUnsafeBufferPointer { input in
      withOptionalBuffer(rowValidLengths) { lengths in
        SoftmaxKernel.rows(input, output: output, rowLength: rowLength, rowValidLengths: lengths)
      }
    }
  }
  return Tensor(shape: scores.shape, scalars: scalars)
}

/// Calls `body` with the elements of `array`, or with `nil`.
private func withOptionalBuffer<Result>(
  _ array: [Int]?, _ body: (UnsafeBufferPointer<Int>?) -> Result
) -> Result {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0) }
}
