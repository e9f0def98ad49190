import AttentionCore
import CAttentionKernels
import Foundation
import TensorIO

/// One weight matrix of a decoder, `W` of `[O, I]`, and its product with
/// a block of rows, `y = x Wᵀ`.
///
/// The quantized path leaves `W` in the file's blocks, mapped, and
/// multiplies with `QuantizedMatrix` (8-bit activations against the blocks,
/// as llama.cpp does). The exact path dequantizes `W` once to Float32 and
/// packs it for the dense kernel: it is the reference the quantized path is
/// checked against.
struct DecoderMatrix: @unchecked Sendable {
  /// `O`.
  let outputs: Int
  /// `I`.
  let inputs: Int
  /// `W` in the dense kernel's panels (`ak_dense_pack`), on the exact path.
  private let packed: [Float]
  /// `W` in its blocks, on the quantized path.
  private let quantized: QuantizedMatrix?

  private static let cores = ProcessInfo.processInfo.activeProcessorCount
  private static let minimumParallelWork = 1 << 16

  /// Dequantizes and packs `tensor` of `file`, which must be `[outputs, inputs]`.
  init(
    _ tensor: GGUFTensorInfo, of file: GGUFFile, outputs: Int, inputs: Int, arithmetic: LlamaModel.Arithmetic
  ) throws(ModelLoadError) {
    guard tensor.shape == [outputs, inputs] else {
      throw ModelLoadError(
        path: file.path, reason: "tensor \(tensor.name) is \(tensor.shape), the metadata needs [\(outputs), \(inputs)]")
    }
    self.outputs = outputs
    self.inputs = inputs
    if arithmetic == .quantized, let type = QuantizedMatrix.BlockType(rawValue: tensor.type.rawValue) {
      let bytes = file.bytes(of: tensor)
      do {
        quantized = try QuantizedMatrix(
          type: type, rows: outputs, columns: inputs, blocks: bytes.baseAddress!, byteCount: bytes.count, owner: file)
      } catch {
        throw ModelLoadError(path: file.path, reason: "tensor \(tensor.name): \(error)")
      }
      packed = []
      return
    }
    quantized = nil
    let weight: Tensor
    do { weight = try file.dequantize(tensor) } catch { throw ModelLoadError(path: file.path, reason: error.reason) }
    let count = ak_dense_packed_count(inputs, outputs)
    packed = [Float](unsafeUninitializedCapacity: count) { packed, initialized in
      weight.scalars.withUnsafeBufferPointer { ak_dense_pack($0.baseAddress, inputs, outputs, packed.baseAddress) }
      initialized = count
    }
  }

  /// `output = input Wᵀ` for `rows` rows; `output` is written, never read.
  func multiply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
    if let quantized {
      quantized.multiply(
        UnsafeBufferPointer(start: input, count: rows * inputs), rows: rows,
        into: UnsafeMutableBufferPointer(start: output, count: rows * outputs))
      return
    }
    let work = rows * inputs * outputs
    let threads = work >= Self.minimumParallelWork ? Self.cores : 1
    packed.withUnsafeBufferPointer { packed in
      _ = ak_dense_run(
        input, rows, inputs, packed.baseAddress, outputs, nil, output, KernelInstructionSet.detected.cValue,
        Int32(clamping: threads))
    }
  }
}
