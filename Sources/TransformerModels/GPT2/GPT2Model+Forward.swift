import AttentionCore
import Foundation

extension GPT2Model {
  /// One pass over new tokens (see `CausalDecoder.run`): the token and
  /// position embeddings; per layer, LayerNorm, attention, the residual;
  /// LayerNorm, GELU feed-forward, the residual; then the final LayerNorm
  /// and the output layer.
  func run(_ ids: [Int], state: inout DecoderState, logits rows: LogitRows) -> [Float] {
    let count = ids.count
    let (width, ffn) = (config.hiddenSize, config.feedForwardSize)
    state.advance(by: count)
    let start = state.length - count
    var attention = AttentionPass(sizes: sizes, count: count, state: state, rotation: nil)

    // [T, D]: the tokens' embeddings plus their positions' (GPT-2's only position signal).
    var hidden = embedding.rows(ids)
    for token in 0..<count {
      let position = (start + token) * width
      for feature in 0..<width { hidden[token * width + feature] += positions[position + feature] }
    }
    var projected = [Float](repeating: 0, count: count * width)
    // [T, F].
    var inner = [Float](repeating: 0, count: count * ffn)

    for (index, layer) in layers.enumerated() {
      // Attention, then the residual.
      var normed = layer.attentionNorm(Tensor(shape: [count, width], scalars: hidden)).scalars
      attention.run(layer.attention, layer: index, input: normed, state: &state, into: &projected)
      for element in 0..<(count * width) { hidden[element] += projected[element] }

      // c_proj(gelu(c_fc(x))), then the residual.
      normed = layer.feedForwardNorm(Tensor(shape: [count, width], scalars: hidden)).scalars
      normed.withUnsafeBufferPointer { input in
        inner.withUnsafeMutableBufferPointer {
          layer.up.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
      for element in inner.indices { inner[element] = Self.gelu(inner[element]) }
      inner.withUnsafeBufferPointer { input in
        projected.withUnsafeMutableBufferPointer {
          layer.down.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
      for element in 0..<(count * width) { hidden[element] += projected[element] }
    }

    return outputLogits(hidden, count: count, width: width, rows: rows, through: output) {
      input, outputRows, normed in
      normed = outputNorm(Tensor(shape: [outputRows, width], scalars: input)).scalars
    }
  }

  /// GELU's tanh approximation, `½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`,
  /// as transformers' `gelu_new` computes it in Float32.
  @inline(__always)
  static func gelu(_ x: Float) -> Float {
    0.5 * x * (1 + tanhf(0.797_884_56 * (x + 0.044_715 * (x * x * x))))
  }
}
