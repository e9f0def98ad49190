extension Tensor {
  /// Standard normal samples equal to `torch.manual_seed(seed); torch.randn(shape)`.
  ///
  /// - Parameters:
  ///   - shape: the shape of the result.
  ///   - seed: the seed given to a fresh `TorchGenerator`.
  public static func randn(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = TorchGenerator(seed: seed)
    return generator.randn(shape)
  }

  /// Uniform samples on [0, 1) equal to `torch.manual_seed(seed); torch.rand(shape)`.
  ///
  /// - Parameters:
  ///   - shape: the shape of the result.
  ///   - seed: the seed given to a fresh `TorchGenerator`.
  public static func rand(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = TorchGenerator(seed: seed)
    return generator.rand(shape)
  }
}
