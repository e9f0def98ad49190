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
