import AttentionCore
import CAttentionKernels
import Foundation

/// A fully connected layer `y = x Wᵀ + b` with PyTorch's `nn.Linear` layout.
///
/// Legend: `N` rows (tokens), `I` input width, `O` output width.
///
/// `multiply` computes only `x Wᵀ`; the encoder adds `b` in the pass that
/// follows anyway (splitting heads, GELU, LayerNorm), which saves a pass
/// over the output. The product runs in the dense kernel of
/// `CAttentionKernels` on a copy of `W` packed once here, on the attention
/// kernel's thread pool: at the encoder's sizes (`N` = 128) OpenBLAS gains
/// little from a second thread, and its idle threads yield the cores that
/// the pool's helpers poll on.
struct DenseLayer: Sendable {
  /// `[O, I]`, one row per output feature, as `nn.Linear.weight` stores it.
  let weight: Tensor
  /// `[O]`.
  let bias: Tensor
  /// `W` in the dense kernel's panels (`ak_dense_pack`).
  private let packedWeight: [Float]

  var inputSize: Int { weight.shape[1] }
  var outputSize: Int { weight.shape[0] }

  /// The cores to use. Read once: on Linux the count comes from files.
  private static let cores = ProcessInfo.processInfo.activeProcessorCount
  /// Below this many multiply-adds the product runs on the calling thread:
  /// waking a helper costs more than it saves.
  private static let minimumParallelWork = 1 << 18

  init(weight: Tensor, bias: Tensor) {
    precondition(
      weight.rank == 2 && bias.shape == [weight.shape[0]], "weight \(weight.shape), bias \(bias.shape)")
    self.weight = weight
    self.bias = bias
    let (outputs, inputs) = (weight.shape[0], weight.shape[1])
    let count = ak_dense_packed_count(inputs, outputs)
    packedWeight = [Float](unsafeUninitializedCapacity: count) { packed, initialized in
      weight.scalars.withUnsafeBufferPointer {
        ak_dense_pack($0.baseAddress, inputs, outputs, packed.baseAddress)
      }
      initialized = count
    }
  }

  /// Stacks layers that read the same input into one wider layer, so one GEMM computes all their outputs.
  init(concatenating layers: [DenseLayer]) {
    precondition(
      layers.allSatisfy { $0.inputSize == layers[0].inputSize }, "layers disagree on the input width")
    let rows = layers.reduce(0) { $0 + $1.outputSize }
    self.init(
      weight: Tensor(shape: [rows, layers[0].inputSize], scalars: layers.flatMap(\.weight.scalars)),
      bias: Tensor(shape: [rows], scalars: layers.flatMap(\.bias.scalars)))
  }

  /// `x Wᵀ`, without the bias.
  ///
  /// - Parameter input: `[N, I]`.
  /// - Returns: `[N, O]`.
  func multiply(_ input: Tensor) -> Tensor {
    product(input, addingBias: false, gelu: false)
  }

  /// `GELU(x Wᵀ + b)`, the bias and the activation applied by the GEMM's
  /// threads while each block of the output is still in cache.
  ///
  /// - Parameter input: `[N, I]`.
  /// - Returns: `[N, O]`.
  func multiplyAddingBiasThenGELU(_ input: Tensor) -> Tensor {
    product(input, addingBias: true, gelu: true)
  }

  private func product(_ input: Tensor, addingBias: Bool, gelu: Bool) -> Tensor {
    precondition(
      input.rank == 2 && input.shape[1] == inputSize, "input \(input.shape) for weight \(weight.shape)")
    let rows = input.shape[0]
    let scalars = [Float](unsafeUninitializedCapacity: rows * outputSize) { output, initialized in
      input.scalars.withUnsafeBufferPointer { input in
        multiply(input, rows: rows, into: output, addingBias: addingBias, gelu: gelu)
      }
      initialized = rows * outputSize
    }
    return Tensor(shape: [rows, outputSize], scalars: scalars)
  }

  /// `x Wᵀ (+ b)` into a caller's buffer, with the instruction set and
  /// thread count open to choice so that every kernel path can be checked.
  ///
  /// - Parameters:
  ///   - input: `[N, I]`.
  ///   - rows: `N`.
  ///   - output: `[N, O]`; written, never read.
  ///   - addingBias: whether to add `b` to each row.
  ///   - gelu: whether to apply GELU (erf form) after the bias.
  ///   - instructionSet: the kernel's instruction set; the CPU must have it.
  ///   - threads: threads, the calling one included; `nil` picks by size.
  func multiply(
    _ input: UnsafeBufferPointer<Float>, rows: Int, into output: UnsafeMutableBufferPointer<Float>,
    addingBias: Bool, gelu: Bool = false, instructionSet: KernelInstructionSet = .detected,
    threads: Int? = nil
  ) {
    precondition(
      input.count == rows * inputSize, "input of \(input.count) floats for [\(rows), \(inputSize)]")
    precondition(
      output.count == rows * outputSize, "output of \(output.count) floats for [\(rows), \(outputSize)]")
    precondition(instructionSet.runsHere, "this CPU cannot run \(instructionSet)")
    let work = rows * inputSize * outputSize
    let threadCount = max(1, threads ?? (work >= Self.minimumParallelWork ? Self.cores : 1))
    packedWeight.withUnsafeBufferPointer { packed in
      bias.scalars.withUnsafeBufferPointer { bias in
        _ = ak_dense_run_gelu(
          input.baseAddress, rows, inputSize, packed.baseAddress, outputSize,
          addingBias ? bias.baseAddress : nil, output.baseAddress, gelu ? 1 : 0, instructionSet.cValue,
          Int32(clamping: threadCount))
      }
    }
  }
}
