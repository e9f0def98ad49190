@testable import AttentionCore

/// Fresh random inputs for every run: the tests must hold for any values,
/// not for one lucky draw.
enum RandomTensors {
  /// Uniform on `range`, of the given shape.
  static func uniform(_ shape: [Int], in range: ClosedRange<Float> = -2...2) -> Tensor {
    let count = Tensor.elementCount(shape)
    return Tensor(shape: shape, scalars: (0..<count).map { _ in Float.random(in: range) })
  }

  /// Valid lengths in `0...maximum`, with the extremes forced in so every
  /// run covers a fully masked and an unmasked row.
  static func validLengths(count: Int, maximum: Int) -> [Int] {
    var lengths = (0..<count).map { _ in Int.random(in: 0...maximum) }
    if count > 0 { lengths[0] = 0 }
    if count > 1 { lengths[count - 1] = maximum }
    return lengths.shuffled()
  }
}

/// A buffer full of NaN, so a kernel that skips an element is caught.
func poisoned(_ count: Int) -> [Float] {
  [Float](repeating: .nan, count: count)
}
