import AttentionCore
import Foundation

extension LlamaModel {
  /// One pass over new tokens (see `CausalDecoder.run`): per layer,
  /// RMSNorm, attention with rotary Q and K, the residual; RMSNorm, SwiGLU,
  /// the residual; then the final RMSNorm and the output layer.
  func run(_ ids: [Int], state: inout DecoderState, logits rows: LogitRows) -> [Float] {
    let count = ids.count
    let width = config.hiddenSize
    state.advance(by: count)
    let start = state.length - count
    var attention = AttentionPass(
      sizes: sizes, count: count, state: state,
      rotation: RotaryTable(
        headSize: config.headSize, base: config.ropeBase, layout: config.rotaryLayout,
        positions: start..<state.length))

    // [T, D] each.
    var hidden = embedding.rows(ids)
    var normed = [Float](repeating: 0, count: count * width)
    var projected = [Float](repeating: 0, count: count * width)
    // [T, F] each.
    var gate = [Float](repeating: 0, count: count * config.feedForwardSize)
    var up = [Float](repeating: 0, count: count * config.feedForwardSize)

    for (index, layer) in layers.enumerated() {
      // Attention, then the residual.
      rmsNorm(hidden, weight: layer.attentionNorm, rows: count, into: &normed)
      attention.run(layer.attention, layer: index, input: normed, state: &state, into: &projected)
      addResidual(projected, to: &hidden)

      // SwiGLU: down(silu(gate(x)) · up(x)), then the residual.
      rmsNorm(hidden, weight: layer.feedForwardNorm, rows: count, into: &normed)
      normed.withUnsafeBufferPointer { input in
        gate.withUnsafeMutableBufferPointer { gate in
          up.withUnsafeMutableBufferPointer { up in
            DecoderMatrix.multiply(
              [layer.gate, layer.up], input.baseAddress!, rows: count, into: [gate.baseAddress!, up.baseAddress!])
          }
        }
      }
      gate.withUnsafeMutableBufferPointer { gate in
        up.withUnsafeBufferPointer { up in
          for element in gate.indices {
            let g = gate[element]
            gate[element] = g / (1 + expf(-g)) * up[element]
          }
        }
      }
      gate.withUnsafeBufferPointer { input in
        projected.withUnsafeMutableBufferPointer {
          layer.down.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
      addResidual(projected, to: &hidden)
    }

    return outputLogits(hidden, count: count, width: width, rows: rows, through: output) {
      input, outputRows, normed in
      rmsNorm(input, weight: outputNorm, rows: outputRows, into: &normed)
    }
  }

  /// `x / sqrt(mean(x²) + ε) · w` for each row, as Hugging Face's LlamaRMSNorm computes it in Float32.
  func rmsNorm(_ input: [Float], weight: [Float], rows: Int, into output: inout [Float]) {
    let width = config.hiddenSize
    input.withUnsafeBufferPointer { input in
      weight.withUnsafeBufferPointer { weight in
        output.withUnsafeMutableBufferPointer { output in
          for row in 0..<rows {
            let base = row * width
            var squares: Float = 0
            for column in 0..<width { squares += input[base + column] * input[base + column] }
            let scale = 1 / (squares / Float(width) + config.normEpsilon).squareRoot()
            for column in 0..<width { output[base + column] = weight[column] * (input[base + column] * scale) }
          }
        }
      }
    }
  }

  /// `hidden += sublayer`, element by element.
  private func addResidual(_ sublayer: [Float], to hidden: inout [Float]) {
    sublayer.withUnsafeBufferPointer { sublayer in
      hidden.withUnsafeMutableBufferPointer { hidden in
        for element in hidden.indices { hidden[element] += sublayer[element] }
      }
    }
  }
}
