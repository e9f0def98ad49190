extension Tensor {
  /// The same elements viewed with another shape of equal element count.
  ///
  /// One axis may be `-1`, inferred from the others, as in PyTorch.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var resolved = newShape
    if let inferred = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
      precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
      resolved[inferred] = count / known
    }
    precondition(
      Tensor.elementCount(resolved) == count, "cannot reshape \(shape) to \(newShape)")
    return Tensor(shape: resolved, scalars: scalars)
  }
}

extension Tensor {
  /// The tensor with its last two axes swapped, as PyTorch's `x.mT` or
  /// `x.transpose(-2, -1)`, materialised in row-major order.
  ///
  /// - Precondition: `rank >= 2`.
  public func transposedLastTwo() -> Tensor {
    precondition(rank >= 2, "transposedLastTwo needs rank >= 2, got shape \(shape)")
    let rows = shape[rank - 2]
    let columns = shape[rank - 1]
    let matrixCount = rows * columns
    let batch = matrixCount == 0 ? 0 : count / matrixCount
    var newShape = shape
    newShape.swapAt(rank - 2, rank - 1)
    let transposed = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      scalars.withUnsafeBufferPointer { input in
        for b in 0..<batch {
          let source = input.baseAddress! + b * matrixCount
          let destination = output.baseAddress! + b * matrixCount
          for i in 0..<rows {
            for j in 0..<columns { destination[j * rows + i] = source[i * columns + j] }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: newShape, scalars: transposed)
  }
}
