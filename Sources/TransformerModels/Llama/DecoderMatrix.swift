import AttentionCore
import CAttentionKernels
import Foundation
import TensorIO

/// One weight matrix of a decoder, `W` of `[O, I]`, and its product with
/// a block of rows, `y = x Wᵀ`.
///
/// The exact path dequantizes `W` once to Float32 and packs it for the
/// dense kernel: it is the reference the quantized path is checked against.
struct DecoderMatrix: @unchecked Sendable {
  /// `O`.
  let outputs: Int
  /// `I`.
  let inputs: Int
  /// `W` in the dense kernel's panels (`ak_dense_pack`).
  private let packed: [Float]

  private static let cores = ProcessInfo.processInfo.activeProcessorCount
  private static let minimumParallelWork = 1 << 16

  /// Dequantizes and packs `tensor` of `file`, which must be `[outputs, inputs]`.
  init(_ tensor: GGUFTensorInfo, of file: GGUFFile, outputs: Int, inputs: Int) throws(ModelLoadError) {
    guard tensor.shape == [outputs, inputs] else {
      throw ModelLoadError(
        path: file.path, reason: "tensor \(tensor.name) is \(tensor.shape), the metadata needs [\(outputs), \(inputs)]")
    }
    let weight: Tensor
    do { weight = try file.dequantize(tensor) } catch { throw ModelLoadError(path: file.path, reason: error.reason) }
    self.outputs = outputs
    self.inputs = inputs
    let count = ak_dense_packed_count(inputs, outputs)
    packed = [Float](unsafeUninitializedCapacity: count) { packed, initialized in
      weight.scalars.withUnsafeBufferPointer { ak_dense_pack($0.baseAddress, inputs, outputs, packed.baseAddress) }
      initialized = count
    }
  }

  /// `output = input Wᵀ` for `rows` rows; `output` is written, never read.
  func multiply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
    let work = rows * inputs * outputs
    let threads = work >= Self.minimumParallelWork ? Self.cores : 1
    packed.withUnsafeBufferPointer { packed in
      _ = ak_dense_run(
        input, rows, inputs, packed.baseAddress, outputs, nil, output, KernelInstructionSet.detected.cValue,
        Int32(clamping: threads))
    }
  }
}
