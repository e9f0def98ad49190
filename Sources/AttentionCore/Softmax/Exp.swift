import CAttentionKernels

/// e^x of every element, vectorised (AVX-512, AVX2 + FMA, or portable C).
///
/// Accuracy, against `exp` in double precision, measured over every one of
/// the 2^32 float inputs (`attn bench exp --sweep`), in ulps of the
/// correctly rounded result: at most 1.013 ulp on the AVX-512 and AVX2
/// paths (1.010 for x <= 0, the arguments softmax uses) and 0.990 ulp on the
/// portable path (0.982 for x <= 0). Subnormal results are rounded, not
/// flushed to 0; x < -104 gives 0, x > 89 gives +∞, NaN stays NaN.
///
/// - Parameter x: any shape.
/// - Returns: `e^x`, the shape of `x`.
public func exp(_ x: Tensor) -> Tensor {
  let scalars = SoftmaxKernel.freshScalars(count: x.count) { output in
    x.scalars.withUnsafeBufferPointer { input in
      ExpKernel.apply(input, output: output)
    }
  }
  return Tensor(shape: x.shape, scalars: scalars)
}

/// The C exponential of `softmax_kernels.h` over caller memory.
enum ExpKernel {
  /// e^x of `input` into `output` (which may be `input`'s memory).
  ///
  /// - Parameters:
  ///   - input: `(count,)`.
  ///   - output: `(count,)`.
  ///   - instructionSet: the kernel path; lowered to what the CPU runs.
  static func apply(
    _ input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
    instructionSet: KernelInstructionSet = .detected
  ) {
    precondition(input.count == output.count, "input \(input.count) vs output \(output.count)")
    guard let source = input.baseAddress, let destination = output.baseAddress else { return }
    ak_exp(instructionSet.cValue, source, destination, input.count)
  }
}
