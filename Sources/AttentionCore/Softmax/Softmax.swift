/// Softmax along the last axis: every row becomes a probability distribution.
///
/// Legend: `L` the length of the last axis.
///
/// Each row's maximum is subtracted before exponentiation, so rows of large
/// logits (±1e4 and beyond) give finite weights that sum to 1. A row
/// containing +∞ or NaN, or only -∞, gives NaN, as in PyTorch.
///
/// Each element is read from memory once and written once (see
/// `softmax_kernels.h`); rows are split across threads for large inputs.
/// The output is freshly allocated; `softmax(_:into:threads:)` reuses one.
///
/// - Parameters:
///   - logits: `[..., L]`; a scalar is one row of length 1.
///   - threads: how many threads share the rows; `nil` (the default) uses
///     one per core for inputs of 2^18 elements and more, else one.
/// - Returns: the weights, same shape as `logits`.
public func softmax(_ logits: Tensor, threads: Int? = nil) -> Tensor {
  let rowLength = logits.shape.last ?? 1
  let scalars = SoftmaxKernel.freshScalars(count: logits.count) { output in
    logits.scalars.withUnsafeBufferPointer { input in
      SoftmaxKernel.rows(input, output: output, rowLength: rowLength, threads: threads)
    }
  }
  return Tensor(shape: logits.shape, scalars: scalars)
}

/// Softmax along the last axis, written into an existing tensor.
///
/// The same as `softmax(_:threads:)`, without allocating: a caller that
/// repeats the softmax on tensors of one shape skips the page faults of a
/// fresh output, which for tens of MiB cost as much as the softmax itself.
///
/// - Parameters:
///   - logits: `[..., L]`.
///   - weights: `[..., L]`, the shape of `logits`; every element is
///     overwritten. If its storage is shared with another tensor, it is
///     copied first, as for any mutation of a `Tensor`.
///   - threads: how many threads share the rows; `nil` picks by size.
/// - Throws: `AttentionError` if `weights` has another shape than `logits`.
public func softmax(_ logits: Tensor, into weights: inout Tensor, threads: Int? = nil) throws {
  guard weights.shape == logits.shape else {
    throw AttentionError.shapeMismatch(
      "softmax of logits \(logits.shape) cannot be written into weights \(weights.shape)")
  }
  let rowLength = logits.shape.last ?? 1
  logits.scalars.withUnsafeBufferPointer { input in
    weights.scalars.withUnsafeMutableBufferPointer { output in
      SoftmaxKernel.rows(input, output: output, rowLength: rowLength, threads: threads)
    }
  }
}
