import AttentionCore
import CAttentionKernels
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

    // Each sublayer's output joins the residual stream as the next RMSNorm
    // reads it (one pass); the last one after the loop.
    for (index, layer) in layers.enumerated() {
      // Attention, then the residual.
      rmsNorm(&hidden, adding: index == 0 ? nil : projected, weight: layer.attentionNorm, rows: count, into: &normed)
      attention.run(layer.attention, layer: index, input: normed, state: &state, into: &projected)

      // SwiGLU: down(silu(gate(x)) · up(x)), then the residual.
      rmsNorm(&hidden, adding: projected, weight: layer.feedForwardNorm, rows: count, into: &normed)
      normed.withUnsafeBufferPointer { input in
        gate.withUnsafeMutableBufferPointer { gate in
          up.withUnsafeMutableBufferPointer { up in
            DecoderMatrix.multiply(
              [layer.gate, layer.up], input.baseAddress!, rows: count, into: [gate.baseAddress!, up.baseAddress!])
            ak_swiglu(gate.baseAddress!, up.baseAddress!, gate.count, KernelInstructionSet.detected.cValue)
          }
        }
      }
      gate.withUnsafeBufferPointer { input in
        projected.withUnsafeMutableBufferPointer {
          layer.down.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
    }
    if !layers.isEmpty { addResidual(projected, to: &hidden) }

    return outputLogits(hidden, count: count, width: width, rows: rows, through: output) {
      input, outputRows, normed in
      var input = input
      rmsNorm(&input, adding: nil, weight: outputNorm, rows: outputRows, into: &normed)
    }
  }

  /// `hidden += sublayer` when there is one, then `x / sqrt(mean(x²) + ε) · w`
  /// of each row into `output`, as Hugging Face's LlamaRMSNorm computes it
  /// in Float32 (`ak_rms_norm`).
  func rmsNorm(
    _ hidden: inout [Float], adding sublayer: [Float]?, weight: [Float], rows: Int, into output: inout [Float]
  ) {
    let (width, epsilon) = (config.hiddenSize, config.normEpsilon)
    precondition(hidden.count >= rows * width && output.count >= rows * width && weight.count == width)
    precondition(sublayer.map { $0.count >= rows * width } ?? true)
    let isa = KernelInstructionSet.detected.cValue
    let add = sublayer ?? []
    hidden.withUnsafeMutableBufferPointer { hidden in
      weight.withUnsafeBufferPointer { weight in
        output.withUnsafeMutableBufferPointer { output in
          add.withUnsafeBufferPointer { add in
            ak_rms_norm(
              hidden.baseAddress!, sublayer == nil ? nil : add.baseAddress, weight.baseAddress!, rows, width, epsilon,
              output.baseAddress!, isa)
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
