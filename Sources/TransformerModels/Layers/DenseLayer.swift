import AttentionCore

/// A fully connected layer `y = x Wᵀ + b` with PyTorch's `nn.Linear` layout.
///
/// Legend: `N` rows (tokens), `I` input width, `O` output width.
///
/// `multiply` computes only `x Wᵀ`, with one GEMM; the encoder adds `b` in
/// the pass that follows anyway (splitting heads, GELU, LayerNorm), which
/// saves a pass over the output.
struct DenseLayer: Sendable {
  /// `[O, I]`, one row per output feature, as `nn.Linear.weight` stores it.
  let weight: Tensor
  /// `[O]`.
  let bias: Tensor

  var inputSize: Int { weight.shape[1] }
  var outputSize: Int { weight.shape[0] }

  init(weight: Tensor, bias: Tensor) {
    precondition(
      weight.rank == 2 && bias.shape == [weight.shape[0]], "weight \(weight.shape), bias \(bias.shape)")
    self.weight = weight
    self.bias = bias
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
    precondition(
      input.rank == 2 && input.shape[1] == inputSize, "input \(input.shape) for weight \(weight.shape)")
    // The shapes were checked above, so matmul cannot throw.
    return try! matmul(input, weight, transposeB: true)
  }
}
