extension Tensor {
  /// Replaces every row along the last axis by its softmax, in place.
  ///
  /// The same weights as `softmax(_:threads:)`, in the tensor's own storage
  /// (copied first only if shared with another tensor).
  ///
  /// - Parameter threads: how many threads share the rows; `nil` picks by size.
  public mutating func formSoftmax(threads: Int? = nil) {
    let rowLength = shape.last ?? 1
    scalars.withUnsafeMutableBufferPointer { logits in
      SoftmaxKernel.rows(UnsafeBufferPointer(logits), output: logits, rowLength: rowLength, threads: threads)
    }
  }
}
