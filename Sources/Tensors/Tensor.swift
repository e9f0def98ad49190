/// A dense array of `Float` values laid out in row-major (C) order.
///
/// `Tensor` is a value type: copies share storage until one of them is
/// mutated. The last axis varies fastest, as in NumPy and PyTorch.
public struct Tensor: Sendable, Equatable {
  /// The length of each axis, outermost first.
  public private(set) var shape: [Int]
  /// The elements in row-major order; `scalars.count == shape.product`.
  /// Change them with `withUnsafeMutableScalars` or the subscript, which
  /// cannot change their count.
  public package(set) var scalars: [Float]

  /// Creates a tensor from its shape and its elements in row-major order.
  ///
  /// - Precondition: every axis is non-negative and `scalars.count` equals
  ///   the product of `shape`.
  public init(shape: [Int], scalars: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative axis in shape \(shape)")
    precondition(
      Tensor.elementCount(shape) == scalars.count,
      "shape \(shape) holds \(Tensor.elementCount(shape)) elements, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
  }

  /// Creates a tensor of the given shape whose every element is `value`.
  public init(repeating value: Float, shape: [Int]) {
    self.init(shape: shape, scalars: Array(repeating: value, count: Tensor.elementCount(shape)))
  }

  /// Changes the elements in place, in row-major order; their count stays.
  public mutating func withUnsafeMutableScalars<Result>(
    _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
  ) rethrows -> Result {
    try scalars.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
  }

  /// The number of axes.
  public var rank: Int { shape.count }

  /// The number of elements.
  public var count: Int { scalars.count }

  /// The product of the lengths in `shape` (1 for a scalar shape `[]`).
  public static func elementCount(_ shape: [Int]) -> Int {
    shape.reduce(1, *)
  }

  /// The row-major strides of `shape`, in elements.
  public static func strides(of shape: [Int]) -> [Int] {
    var strides = Array(repeating: 1, count: shape.count)
    var stride = 1
    for axis in shape.indices.reversed() {
      strides[axis] = stride
      stride *= shape[axis]
    }
    return strides
  }

  /// The element at the given multi-index.
  public subscript(_ indices: Int...) -> Float {
    get { scalars[flatIndex(indices)] }
    set { scalars[flatIndex(indices)] = newValue }
  }

  private func flatIndex(_ indices: [Int]) -> Int {
    precondition(indices.count == rank, "index \(indices) for a tensor of shape \(shape)")
    var flat = 0
    for (axis, index) in indices.enumerated() {
      precondition(index >= 0 && index < shape[axis], "index \(indices) out of range for shape \(shape)")
      flat = flat * shape[axis] + index
    }
    return flat
  }
}
