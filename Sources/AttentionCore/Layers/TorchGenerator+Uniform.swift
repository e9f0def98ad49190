extension TorchGenerator {
  /// Samples uniform on `[from, to)`, as `tensor.uniform_(from, to)` fills a
  /// float32 tensor on the CPU.
  ///
  /// Each element takes one 32-bit draw: `x = (bits & 0xFFFFFF) · 2⁻²⁴`,
  /// then `x · (to − from) + from` in float32. PyTorch's AVX2 and AVX-512
  /// kernels are compiled with fused multiply-adds and round that once; its
  /// generic kernel rounds the product and the sum separately. The
  /// generator's `normalKernel` picks which of the two is reproduced, as it
  /// does for `randn`.
  ///
  /// - Parameters:
  ///   - shape: the shape of the result, filled in row-major order.
  ///   - from: the lower bound, included.
  ///   - to: the upper bound.
  public mutating func uniform(_ shape: [Int], from: Float, to: Float) -> Tensor {
    let width = to - from
    let fused = normalKernel == .avx2
    var samples = rand(shape)
    for i in samples.scalars.indices {
      let x = samples.scalars[i]
      samples.scalars[i] = fused ? from.addingProduct(x, width) : x * width + from
    }
    return samples
  }

  /// The weight of a fresh `nn.Linear(inputSize, outputSize)`, drawn as
  /// PyTorch draws it and stored transposed, `[inputSize, outputSize]`, so a
  /// projection is `x @ weight`.
  ///
  /// PyTorch's default initialisation is `kaiming_uniform_(weight, a=√5)`:
  /// uniform on `[−b, b)` with `b = √3 · √(2 / (1 + a²)) / √fan_in`, which is
  /// `1/√inputSize` up to rounding. The bound is computed in double as
  /// `torch.nn.init` computes it, and the `[outputSize, inputSize]` matrix is
  /// filled row-major, so `torch.manual_seed(s); nn.Linear(i, o).weight.T`
  /// equals `TorchGenerator(seed: s).linearWeight(inputSize: i, outputSize: o)`.
  /// No bias is drawn (d2l's attention layers use `bias=False`).
  ///
  /// - Parameters:
  ///   - inputSize: `fan_in`, at least 1.
  ///   - outputSize: the number of outputs.
  /// - Returns: `[inputSize, outputSize]`.
  public mutating func linearWeight(inputSize: Int, outputSize: Int) -> Tensor {
    precondition(inputSize >= 1 && outputSize >= 0, "linear layer \(inputSize) → \(outputSize)")
    let a = 5.0.squareRoot()
    let gain = (2.0 / (1 + a * a)).squareRoot()
    let bound = 3.0.squareRoot() * (gain / Double(inputSize).squareRoot())
    let weight = uniform([outputSize, inputSize], from: Float(-bound), to: Float(bound))
    return weight.transposedLastTwo()
  }
}
