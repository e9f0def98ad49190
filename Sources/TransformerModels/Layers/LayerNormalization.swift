import AttentionCore

/// Layer normalisation over the last axis, as PyTorch's `nn.LayerNorm`:
/// `(x - mean) / sqrt(variance + epsilon) · weight + bias`, with the biased variance.
///
/// Legend: `N` rows (tokens), `D` width.
struct LayerNormalization: Sendable {
  /// `[D]`, the scale (`gamma` in old checkpoints).
  let weight: Tensor
  /// `[D]`, the shift (`beta` in old checkpoints).
  let bias: Tensor
  let epsilon: Float

  init(weight: Tensor, bias: Tensor, epsilon: Float) {
    precondition(weight.rank == 1 && bias.shape == weight.shape, "weight \(weight.shape), bias \(bias.shape)")
    self.weight = weight
    self.bias = bias
    self.epsilon = epsilon
  }

  /// Normalises each row of `input + residual`, the "add & norm" step after every sublayer.
  ///
  /// - Parameters:
  ///   - input: `[N, D]`.
  ///   - residual: `[N, D]`, added first; nil adds nothing.
  /// - Returns: `[N, D]`.
  func callAsFunction(_ input: Tensor, adding residual: Tensor? = nil) -> Tensor {
    let width = weight.count
    precondition(input.rank == 2 && input.shape[1] == width, "input \(input.shape) for width \(width)")
    precondition(
      residual == nil || residual!.shape == input.shape, "residual \(residual!.shape) vs \(input.shape)")
    var output = input
    let rows = input.shape[0]
    output.scalars.withUnsafeMutableBufferPointer { values in
      weight.scalars.withUnsafeBufferPointer { weight in
        bias.scalars.withUnsafeBufferPointer { bias in
          for row in 0..<rows {
            let start = row * width
            if let residual {
              residual.scalars.withUnsafeBufferPointer { residual in
                for column in 0..<width { values[start + column] += residual[start + column] }
              }
            }
            // Two passes (mean, then squared deviations) in Double: no cancellation, as in PyTorch.
            var sum = 0.0
            for column in 0..<width { sum += Double(values[start + column]) }
            let mean = sum / Double(width)
            var squares = 0.0
            for column in 0..<width {
              let deviation = Double(values[start + column]) - mean
              squares += deviation * deviation
            }
            let inverse = Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot())
            let center = Float(mean)
            for column in 0..<width {
              values[start + column] =
                (values[start + column] - center) * inverse * weight[column] + bias[column]
            }
          }
        }
      }
    }
    return output
  }
}
