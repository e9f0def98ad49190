import Foundation

@testable import AttentionCore

/// Plain Float64 references: the simplest loops that say what each operation
/// means, free of any trick the library uses for speed.
enum Reference {
  /// `a @ b` (or `a @ b.mT`) per batch matrix; `b` may be a shared 2-D matrix.
  static func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> [Double] {
    let m = a.shape[a.rank - 2]
    let k = a.shape[a.rank - 1]
    let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
    let batch = a.count / max(m * k, 1)
    let shared = b.rank == 2
    var result = [Double](repeating: 0, count: batch * m * n)
    for index in 0..<batch {
      let bOffset = shared ? 0 : index * k * n
      for i in 0..<m {
        for j in 0..<n {
          var sum = 0.0
          for p in 0..<k {
            let bValue = transposeB ? b.scalars[bOffset + j * k + p] : b.scalars[bOffset + p * n + j]
            sum += Double(a.scalars[index * m * k + i * k + p]) * Double(bValue)
          }
          result[index * m * n + i * n + j] = sum
        }
      }
    }
    return result
  }

  /// Σ|a||b| per result element: the scale that bounds rounding error of a dot product.
  static func matmulMagnitude(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> [Double] {
    matmul(a.map { abs($0) }, b.map { abs($0) }, transposeB: transposeB)
  }

  /// Softmax of each row of `rowLength` logits, max subtracted first.
  static func softmax(_ logits: [Double], rowLength: Int) -> [Double] {
    guard rowLength > 0 else { return [] }
    var result = [Double](repeating: 0, count: logits.count)
    for start in stride(from: 0, to: logits.count, by: rowLength) {
      let row = logits[start..<start + rowLength]
      let peak = row.max()!
      let exps = row.map { Foundation.exp($0 - peak) }
      let sum = exps.reduce(0, +)
      for (offset, value) in exps.enumerated() { result[start + offset] = value / sum }
    }
    return result
  }

  /// d2l's `masked_softmax`: logits at index >= the row's valid length
  /// become -1e6, then softmax. `rowValidLengths` has one entry per row.
  static func maskedSoftmax(_ logits: [Double], rowLength: Int, rowValidLengths: [Int]) -> [Double] {
    var masked = logits
    for (row, validLength) in rowValidLengths.enumerated() {
      for column in validLength..<rowLength { masked[row * rowLength + column] = -1e6 }
    }
    return softmax(masked, rowLength: rowLength)
  }

  /// One valid length per row of a `[batch, queries, keys]` score tensor,
  /// expanded the way d2l expands `valid_lens`.
  static func rowValidLengths(_ validLengths: [Int]?, batch: Int, queries: Int, keys: Int) -> [Int] {
    guard let validLengths else { return Array(repeating: keys, count: batch * queries) }
    if validLengths.count == batch {
      return validLengths.flatMap { Array(repeating: $0, count: queries) }
    }
    return validLengths
  }

  /// Attention pooling over `[batch, queries|keys, features]` tensors.
  static func attentionPooling(
    queries: Tensor, keys: Tensor, values: Tensor, scaled: Bool, rowValidLengths: [Int]
  ) -> (output: [Double], weights: [Double]) {
    let depth = queries.shape[queries.rank - 1]
    let keyCount = keys.shape[keys.rank - 2]
    var scores = matmul(queries, keys, transposeB: true)
    if scaled { scores = scores.map { $0 / Double(depth).squareRoot() } }
    let weights = maskedSoftmax(scores, rowLength: keyCount, rowValidLengths: rowValidLengths)
    let weightsTensor = Tensor(
      shape: Array(queries.shape.dropLast()) + [keyCount], scalars: weights.map { Float($0) })
    // The product is recomputed in Float64 from Float64 weights.
    let output = matmulDouble(weights, weightsTensor.shape, values)
    return (output, weights)
  }

  /// `weights @ values` with `weights` in Float64.
  static func matmulDouble(_ weights: [Double], _ weightsShape: [Int], _ values: Tensor) -> [Double] {
    let m = weightsShape[weightsShape.count - 2]
    let k = weightsShape[weightsShape.count - 1]
    let n = values.shape[values.rank - 1]
    let batch = weights.count / max(m * k, 1)
    var result = [Double](repeating: 0, count: batch * m * n)
    for index in 0..<batch {
      for i in 0..<m {
        for j in 0..<n {
          var sum = 0.0
          for p in 0..<k {
            sum += weights[index * m * k + i * k + p] * Double(values.scalars[index * k * n + p * n + j])
          }
          result[index * m * n + i * n + j] = sum
        }
      }
    }
    return result
  }
}
