import Foundation

/// The plainest softmax: three loops per row in `Float`, libm's `exp`. The
/// fast kernel (`SoftmaxKernel`) must agree with it; tests compare them.
enum SoftmaxReference {
  /// Softmax of each row of `rowLength` logits; with `rowValidLengths`,
  /// the logits at index >= the row's length count as `maskedLogit`.
  ///
  /// - Parameters:
  ///   - logits: `(rows, rowLength)`.
  ///   - rowValidLengths: `(rows,)`, each in `0...rowLength`, or `nil`.
  /// - Returns: `(rows, rowLength)`.
  static func rows(_ logits: [Float], rowLength: Int, rowValidLengths: [Int]? = nil) -> [Float] {
    guard rowLength > 0 else { return logits }
    var weights = logits
    for row in 0..<logits.count / rowLength {
      let start = row * rowLength
      let validLength = rowValidLengths?[row] ?? rowLength
      func logit(_ column: Int) -> Float {
        column < validLength ? logits[start + column] : SoftmaxKernel.maskedLogit
      }
      var peak = -Float.infinity
      for column in 0..<rowLength where logit(column) > peak { peak = logit(column) }
      var sum: Float = 0
      for column in 0..<rowLength {
        weights[start + column] = Foundation.exp(logit(column) - peak)
        sum += weights[start + column]
      }
      for column in 0..<rowLength { weights[start + column] /= sum }
    }
    return weights
  }
}
