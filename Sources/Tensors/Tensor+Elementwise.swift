extension Tensor {
  /// The tensor with `transform` applied to every element.
  public func map(_ transform: (Float) throws -> Float) rethrows -> Tensor {
    Tensor(shape: shape, scalars: try scalars.map(transform))
  }

  /// Every element multiplied by `factor`.
  public func scaled(by factor: Float) -> Tensor {
    map { $0 * factor }
  }

  /// The elementwise combination of two tensors of equal shape.
  ///
  /// - Throws: `TensorShapeError` if the shapes differ, or what `combine` throws.
  public func zipped(with other: Tensor, _ combine: (Float, Float) throws -> Float) throws -> Tensor {
    guard shape == other.shape else {
      throw TensorShapeError("tensors \(shape) and \(other.shape) differ in shape")
    }
    var combined = [Float]()
    combined.reserveCapacity(count)
    for (left, right) in zip(scalars, other.scalars) { combined.append(try combine(left, right)) }
    return Tensor(shape: shape, scalars: combined)
  }
}
