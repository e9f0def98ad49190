import AttentionCore
import CAttentionKernels
import Foundation
import TensorIO

/// One weight matrix of a decoder, `W` of `[O, I]`, and its product with
/// a block of rows, `y = x Wᵀ + b`.
///
/// The quantized path leaves `W` in the file's blocks, mapped, and
/// multiplies with `QuantizedMatrix` (8-bit activations against the blocks,
/// as llama.cpp does). The exact path holds `W` in Float32 (dequantized
/// once from a GGUF file, or read from safetensors), packed for the dense
/// kernel: it is the reference the quantized path is checked against.
struct DecoderMatrix: @unchecked Sendable {
  /// `O`.
  let outputs: Int
  /// `I`.
  let inputs: Int
  /// `W` in the dense kernel's panels (`ak_dense_pack`), on the exact path.
  private let packed: [Float]
  /// `W` in its blocks, on the quantized path.
  private let quantized: QuantizedMatrix?
  /// `b`: `[O]`, or nil for a projection without bias.
  private let bias: [Float]?

  private static let cores = ProcessInfo.processInfo.activeProcessorCount
  private static let minimumParallelWork = 1 << 16

  /// Maps `tensor` of `file`, which must be `[outputs, inputs]`: left in
  /// its blocks on the quantized path, dequantized and packed on the exact one.
  init(
    _ tensor: GGUFTensorInfo, of file: GGUFFile, outputs: Int, inputs: Int, bias: [Float]? = nil,
    arithmetic: LlamaModel.Arithmetic
  ) throws(ModelLoadError) {
    guard tensor.shape == [outputs, inputs] else {
      throw ModelLoadError(
        path: file.path,
        reason: "tensor \(tensor.name) is \(tensor.shape), the metadata needs [\(outputs), \(inputs)]")
    }
    if arithmetic == .quantized, let type = QuantizedMatrix.BlockType(rawValue: tensor.type.rawValue) {
      let bytes = file.bytes(of: tensor)
      let quantized: QuantizedMatrix
      do {
        quantized = try QuantizedMatrix(
          type: type, rows: outputs, columns: inputs, blocks: bytes.baseAddress!, byteCount: bytes.count,
          owner: file)
      } catch {
        throw ModelLoadError(path: file.path, reason: "tensor \(tensor.name): \(error)")
      }
      // Interleaved by 8 where the type has that layout: a written token's
      // products reduce 8 rows at a time (ak_quant_interleave).
      // The copy leaves the mapped pages of the file's layout unused: they
      // are given back, so the weights are resident once.
      if let interleaved = quantized.interleavedByEight() {
        file.releaseResidentPages(of: tensor)
        self.init(outputs: outputs, inputs: inputs, packed: [], quantized: interleaved, bias: bias)
      } else {
        self.init(outputs: outputs, inputs: inputs, packed: [], quantized: quantized, bias: bias)
      }
      return
    }
    let weight: Tensor
    do { weight = try file.dequantize(tensor) } catch {
      throw ModelLoadError(path: file.path, reason: error.reason)
    }
    self.init(weights: weight.scalars, outputs: outputs, inputs: inputs, bias: bias)
  }

  /// Packs `weights`, `[outputs, inputs]` row-major (as `nn.Linear` stores
  /// them), for the exact path.
  init(weights: [Float], outputs: Int, inputs: Int, bias: [Float]? = nil) {
    precondition(weights.count == outputs * inputs, "\(weights.count) weights for [\(outputs), \(inputs)]")
    let count = ak_dense_packed_count(inputs, outputs)
    let packed = [Float](unsafeUninitializedCapacity: count) { packed, initialized in
      weights.withUnsafeBufferPointer { ak_dense_pack($0.baseAddress, inputs, outputs, packed.baseAddress) }
      initialized = count
    }
    self.init(outputs: outputs, inputs: inputs, packed: packed, quantized: nil, bias: bias)
  }

  private init(outputs: Int, inputs: Int, packed: [Float], quantized: QuantizedMatrix?, bias: [Float]?) {
    precondition(bias == nil || bias!.count == outputs, "bias of \(bias!.count) for \(outputs) outputs")
    self.outputs = outputs
    self.inputs = inputs
    self.packed = packed
    self.quantized = quantized
    self.bias = bias
  }

  /// `W` in float32, `[O, I]` row-major: the quantized path's blocks as
  /// ggml dequantizes them, the exact path's weights as they were packed.
  func weights() -> Tensor {
    if let quantized { return quantized.dequantized() }
    let panel = Int(AK_DENSE_PANEL)
    var weights = [Float](repeating: 0, count: outputs * inputs)
    for output in 0..<outputs {
      let (panelIndex, lane) = output.quotientAndRemainder(dividingBy: panel)
      for input in 0..<inputs {
        weights[output * inputs + input] = packed[(panelIndex * inputs + input) * panel + lane]
      }
    }
    return Tensor(shape: [outputs, inputs], scalars: weights)
  }

  /// `outputs[k] = input Wₖᵀ + bₖ` for each matrix, all of the same input
  /// width: one call of the quantized kernel when they share a block type
  /// (the input quantized once), one product each otherwise.
  static func multiply(
    _ matrices: [DecoderMatrix], _ input: UnsafePointer<Float>, rows: Int,
    into outputs: [UnsafeMutablePointer<Float>]
  ) {
    let quantized = matrices.compactMap(\.quantized)
    guard quantized.count == matrices.count, matrices.count <= Int(AK_QUANT_MAX_PARTS),
      quantized.allSatisfy({
        $0.type == quantized[0].type && $0.columns == quantized[0].columns
          && $0.isInterleaved == quantized[0].isInterleaved
      })
    else {
      for (matrix, output) in zip(matrices, outputs) { matrix.multiply(input, rows: rows, into: output) }
      return
    }
    QuantizedMatrix.multiply(
      quantized, UnsafeBufferPointer(start: input, count: rows * quantized[0].columns), rows: rows, into: outputs)
    for (matrix, output) in zip(matrices, outputs) { matrix.addBias(rows: rows, to: output) }
  }

  /// `output += b` on each of `rows` rows, for the quantized path's products.
  private func addBias(rows: Int, to output: UnsafeMutablePointer<Float>) {
    guard let bias else { return }
    for row in 0..<rows {
      for column in 0..<outputs { output[row * outputs + column] += bias[column] }
    }
  }

  /// `output = input Wᵀ + b` for `rows` rows; `output` is written, never read.
  func multiply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
    if let quantized {
      quantized.multiply(
        UnsafeBufferPointer(start: input, count: rows * inputs), rows: rows,
        into: UnsafeMutableBufferPointer(start: output, count: rows * outputs))
      addBias(rows: rows, to: output)
      return
    }
    let work = rows * inputs * outputs
    let threads = work >= Self.minimumParallelWork ? Self.cores : 1
    packed.withUnsafeBufferPointer { packed in
      if let bias {
        bias.withUnsafeBufferPointer { bias in
          _ = ak_dense_run(
            input, rows, inputs, packed.baseAddress, outputs, bias.baseAddress, output,
            KernelInstructionSet.detected.cValue, Int32(clamping: threads))
        }
      } else {
        _ = ak_dense_run(
          input, rows, inputs, packed.baseAddress, outputs, nil, output, KernelInstructionSet.detected.cValue,
          Int32(clamping: threads))
      }
    }
  }
}
