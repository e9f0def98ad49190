extension Tensor {
  /// The rank-4 tensor with axes 1 and 2 swapped, materialised in row-major
  /// order: `[A, M, N, C]` → `[A, N, M, C]`, as PyTorch's
  /// `x.permute(0, 2, 1, 3)` followed by `.contiguous()`.
  ///
  /// Splitting the feature axis into heads and merging the heads back are
  /// both this one permutation of a reshaped view.
  func swappingAxes1And2() -> Tensor {
    precondition(rank == 4, "swappingAxes1And2 needs rank 4, got shape \(shape)")
    let (outer, m, n, inner) = (shape[0], shape[1], shape[2], shape[3])
    let swapped = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      scalars.withUnsafeBufferPointer { input in
        guard count > 0 else { return }
        let source = input.baseAddress!
        let destination = output.baseAddress!
        for a in 0..<outer {
          for j in 0..<n {
            for i in 0..<m {
              // Block [a, i, j, :] of the input becomes block [a, j, i, :].
              (destination + ((a * n + j) * m + i) * inner)
                .initialize(from: source + ((a * m + i) * n + j) * inner, count: inner)
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: [outer, n, m, inner], scalars: swapped)
  }
}
