/// Multi-head attention, d2l's `MultiHeadAttention`: queries, keys and
/// values are projected to `h` features, split into `H` heads of `h/H`
/// features, attended by scaled dot product head by head, and the heads'
/// outputs are concatenated and projected once more.
///
/// Legend: `B` batch, `H` heads (`numHeads`), `Lq` queries, `Lk` keys
/// (= values), `Dq`, `Dk`, `Dv` the input widths, `h` the hidden width
/// (`numHiddens`), `h/H` the width of one head.
///
/// Each head sees its own slice of the projected features, so it can learn
/// to attend to something else (one head to the next word, another to the
/// subject of the sentence), at the cost of one attention of width `h`.
///
/// The weights are stored `[in, out]`, so a projection is `x @ W`: the
/// transpose of PyTorch's `nn.Linear.weight`, i.e. export `linear.weight.T`.
/// None has a bias, as in d2l's default (`bias=False`). d2l's dropout inside
/// `DotProductAttention` is omitted: this is the layer at inference time.
///
/// A struct with a `mutating` call, for the reasons given at
/// `DotProductAttention`.
public struct MultiHeadAttention: Sendable {
  /// `H`, the number of heads.
  public let numHeads: Int
  /// d2l's `W_q`: `[Dq, h]`.
  public var queryWeight: Tensor
  /// d2l's `W_k`: `[Dk, h]`.
  public var keyWeight: Tensor
  /// d2l's `W_v`: `[Dv, h]`.
  public var valueWeight: Tensor
  /// d2l's `W_o`, mixing the concatenated heads: `[h, h]`.
  public var outputWeight: Tensor
  /// The scaled dot-product attention every head goes through, as d2l's
  /// `self.attention`; after a call its `attentionWeights` hold d2l's
  /// `[B·H, Lq, Lk]` weights.
  public private(set) var attention = DotProductAttention()
  /// The attention weights of the last call, `[B, H, Lq, Lk]`: batch
  /// element `b`, head `i` is d2l's `attention.attention_weights[b·H + i]`.
  public private(set) var attentionWeights: Tensor?

  /// `h`, the hidden width (the columns of `queryWeight`).
  public var numHiddens: Int { queryWeight.shape.last ?? 0 }

  /// Creates the layer with PyTorch's default `nn.Linear` initialisation
  /// from a fresh generator: `TorchGenerator(seed: seed)`.
  ///
  /// See `init(numHiddens:numHeads:querySize:keySize:valueSize:generator:)`.
  ///
  /// - Throws: `AttentionError` if `numHeads` does not divide `numHiddens`
  ///   or a size is below 1.
  public init(
    numHiddens: Int, numHeads: Int, querySize: Int? = nil, keySize: Int? = nil, valueSize: Int? = nil,
    seed: UInt64 = 0
  ) throws {
    var generator = TorchGenerator(seed: seed)
    try self.init(
      numHiddens: numHiddens, numHeads: numHeads, querySize: querySize, keySize: keySize,
      valueSize: valueSize, generator: &generator)
  }

  /// Creates the layer with PyTorch's default `nn.Linear` initialisation,
  /// drawing from `generator`.
  ///
  /// Each weight is uniform on `[−1/√in, 1/√in)` (`kaiming_uniform_` with
  /// `a = √5`), drawn as `TorchGenerator.linearWeight(inputSize:outputSize:)`
  /// draws it, in the order d2l's lazy layers materialise at their first
  /// call: `W_q`, `W_k`, `W_v`, then `W_o`.
  ///
  /// - Parameters:
  ///   - numHiddens: `h`, at least 1.
  ///   - numHeads: `H`, at least 1, dividing `h`.
  ///   - querySize: `Dq`; `nil` for `h`. d2l's lazy layers infer the input
  ///     widths at the first call; in d2l's Transformer they equal `h`.
  ///   - keySize: `Dk`; `nil` for `h`.
  ///   - valueSize: `Dv`; `nil` for `h`.
  ///   - generator: the random source, advanced past the draws.
  /// - Throws: `AttentionError` if `numHeads` does not divide `numHiddens`
  ///   or a size is below 1.
  public init(
    numHiddens: Int, numHeads: Int, querySize: Int? = nil, keySize: Int? = nil, valueSize: Int? = nil,
    generator: inout TorchGenerator
  ) throws {
    let sizes = [querySize ?? numHiddens, keySize ?? numHiddens, valueSize ?? numHiddens]
    try Self.checkHeads(numHiddens: numHiddens, numHeads: numHeads)
    guard sizes.allSatisfy({ $0 >= 1 }) else {
      throw AttentionError.invalidArgument(
        "multi-head attention needs input widths of at least 1, got Dq, Dk, Dv = \(sizes)")
    }
    let queryWeight = generator.linearWeight(inputSize: sizes[0], outputSize: numHiddens)
    let keyWeight = generator.linearWeight(inputSize: sizes[1], outputSize: numHiddens)
    let valueWeight = generator.linearWeight(inputSize: sizes[2], outputSize: numHiddens)
    let outputWeight = generator.linearWeight(inputSize: numHiddens, outputSize: numHiddens)
    try self.init(
      numHeads: numHeads, queryWeight: queryWeight, keyWeight: keyWeight, valueWeight: valueWeight,
      outputWeight: outputWeight)
  }

  /// Creates the layer with the given weights.
  ///
  /// - Parameters:
  ///   - numHeads: `H`, at least 1, dividing `h`.
  ///   - queryWeight: `W_q`, `[Dq, h]`.
  ///   - keyWeight: `W_k`, `[Dk, h]`.
  ///   - valueWeight: `W_v`, `[Dv, h]`.
  ///   - outputWeight: `W_o`, `[h, h]`.
  /// - Throws: `AttentionError` naming the weights whose shapes disagree, or
  ///   if `numHeads` does not divide `h`.
  public init(
    numHeads: Int, queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor, outputWeight: Tensor
  ) throws {
    try Self.checkWeights(
      numHeads: numHeads, queryWeight: queryWeight, keyWeight: keyWeight, valueWeight: valueWeight,
      outputWeight: outputWeight)
    self.numHeads = numHeads
    self.queryWeight = queryWeight
    self.keyWeight = keyWeight
    self.valueWeight = valueWeight
    self.outputWeight = outputWeight
  }

  /// Attends and records the weights in `attentionWeights` (`[B, H, Lq, Lk]`)
  /// and in `attention.attentionWeights` (`[B·H, Lq, Lk]`).
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, Dq]`.
  ///   - keys: `[B, Lk, Dk]`.
  ///   - values: `[B, Lk, Dv]`.
  ///   - validLengths: `nil`, `[B]` or `[B·Lq]` (d2l's `valid_lens` of shape
  ///     `[B]` or `[B, Lq]`, flattened), each in `0...Lk`, the same for
  ///     every head (d2l's `repeat_interleave` over the batch axis).
  ///   - causal: when `true`, query `i` also sees keys `0...i` only.
  /// - Returns: `[B, Lq, h]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or the bad
  ///   valid lengths.
  public mutating func callAsFunction(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> Tensor {
    let result = try forward(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    let weights = result.attentionWeights
    attentionWeights = weights
    attention.attentionWeights = weights.reshaped(
      [weights.shape[0] * weights.shape[1], weights.shape[2], weights.shape[3]])
    return result.output
  }

  /// Attends without recording anything: the output and the weights.
  ///
  /// - Parameters: as `callAsFunction(queries:keys:values:validLengths:causal:)`.
  /// - Returns: `output` `[B, Lq, h]` and `attentionWeights` `[B, H, Lq, Lk]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or the bad
  ///   valid lengths.
  public func forward(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> (output: Tensor, attentionWeights: Tensor) {
    try Self.checkWeights(
      numHeads: numHeads, queryWeight: queryWeight, keyWeight: keyWeight, valueWeight: valueWeight,
      outputWeight: outputWeight)
    let sizes = try LayerInputs.checkSequences(
      queries: queries, keys: keys, values: values, layer: "multi-head attention")
    // d2l repeats each valid length over the heads; a mask of the [B, Lq, Lk]
    // scores holds for every head by itself.
    let mask = try ValidLengths.mask(
      validLengths, causal: causal, batch: sizes.batch, queries: sizes.queryCount, keys: sizes.keyCount,
      for: "keys \(keys.shape)")
    return try forward(queries: queries, keys: keys, values: values, mask: mask)
  }

  /// Attends under any `AttentionMask` of the scores `[B, Lq, Lk]`, which
  /// holds for every head, without recording anything; a query that sees no
  /// key gets d2l's uniform row.
  ///
  /// - Returns: `output` `[B, Lq, h]` and `attentionWeights` `[B, H, Lq, Lk]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or a mask
  ///   that does not fit.
  public func forward(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask) throws -> (
    output: Tensor, attentionWeights: Tensor
  ) {
    try Self.checkWeights(
      numHeads: numHeads, queryWeight: queryWeight, keyWeight: keyWeight, valueWeight: valueWeight,
      outputWeight: outputWeight)
    let sizes = try LayerInputs.checkSequences(
      queries: queries, keys: keys, values: values, layer: "multi-head attention")
    // [B, H, L, h/H] each: d2l's transpose_qkv is this layout read as [B·H, L, h/H].
    func split(_ projected: Tensor) throws -> Tensor {
      let heads = try transposeQKV(projected)
      return heads.reshaped([sizes.batch, numHeads, heads.shape[1], heads.shape[2]])
    }
    let headQueries = try split(
      LayerInputs.project(queries, named: "queries", by: queryWeight, named: "W_q"))
    let headKeys = try split(LayerInputs.project(keys, named: "keys", by: keyWeight, named: "W_k"))
    let headValues = try split(LayerInputs.project(values, named: "values", by: valueWeight, named: "W_v"))
    // The layer's one pooling call, through d2l's DotProductAttention.
    let (headOutputs, weights) = try attention.forward(
      queries: headQueries, keys: headKeys, values: headValues, mask: mask.liftedOverHeads())
    let concatenated = try transposeOutput(  // [B, Lq, h]
      headOutputs.reshaped([sizes.batch * numHeads, sizes.queryCount, headOutputs.shape[3]]))
    let output = try LayerInputs.project(concatenated, named: "the heads", by: outputWeight, named: "W_o")
    return (output, weights)
  }

  /// d2l's `transpose_qkv`: `[B, L, h]` → `[B·H, L, h/H]`, head `i` of
  /// batch element `b` at index `b·H + i`, holding features
  /// `i·h/H ..< (i+1)·h/H`.
  ///
  /// - Parameter features: `[B, L, h]`, `h` divisible by `H`.
  /// - Returns: `[B·H, L, h/H]`.
  /// - Throws: `AttentionError` if `features` is not 3-D or `H` does not
  ///   divide its last axis.
  public func transposeQKV(_ features: Tensor) throws -> Tensor {
    let heads = try splitHeads(features, heads: numHeads)  // [B, H, L, h/H]
    return heads.reshaped([heads.shape[0] * heads.shape[1], heads.shape[2], heads.shape[3]])
  }

  /// d2l's `transpose_output`, the inverse of `transposeQKV(_:)`:
  /// `[B·H, L, d]` → `[B, L, H·d]`.
  ///
  /// - Parameter headFeatures: `[B·H, L, d]`.
  /// - Returns: `[B, L, H·d]`.
  /// - Throws: `AttentionError` if `headFeatures` is not 3-D or its first
  ///   axis is not a multiple of `H`.
  public func transposeOutput(_ headFeatures: Tensor) throws -> Tensor {
    guard headFeatures.rank == 3, headFeatures.shape[0] % numHeads == 0 else {
      throw AttentionError.shapeMismatch(
        "transposeOutput needs [B·H, L, d] with H = \(numHeads), got \(headFeatures.shape)")
    }
    let (rows, length, depth) = (headFeatures.shape[0], headFeatures.shape[1], headFeatures.shape[2])
    return try mergeHeads(headFeatures.reshaped([rows / numHeads, numHeads, length, depth]))
  }

  private static func checkHeads(numHiddens: Int, numHeads: Int) throws {
    guard numHeads >= 1, numHiddens >= 1 else {
      throw AttentionError.invalidArgument(
        "multi-head attention needs numHiddens and numHeads of at least 1, got \(numHiddens) and \(numHeads)")
    }
    guard numHiddens % numHeads == 0 else {
      throw AttentionError.invalidArgument(
        "numHiddens \(numHiddens) is not divisible by numHeads \(numHeads): every head gets numHiddens/numHeads "
          + "features")
    }
  }

  /// Throws unless the weights are `[Dq, h]`, `[Dk, h]`, `[Dv, h]` and
  /// `[h, h]` with `H` dividing `h`.
  private static func checkWeights(
    numHeads: Int, queryWeight: Tensor, keyWeight: Tensor, valueWeight: Tensor, outputWeight: Tensor
  ) throws {
    try LayerInputs.checkMatrix(queryWeight, named: "W_q")
    let hidden = queryWeight.shape[1]
    for (name, weight) in [("W_k", keyWeight), ("W_v", valueWeight)] {
      guard weight.rank == 2, weight.shape[1] == hidden else {
        throw AttentionError.shapeMismatch(
          "W_q \(queryWeight.shape) and \(name) \(weight.shape) disagree on h: "
            + "\(name) must be [in, \(hidden)]")
      }
    }
    guard outputWeight.shape == [hidden, hidden] else {
      throw AttentionError.shapeMismatch(
        "W_o \(outputWeight.shape) does not fit W_q \(queryWeight.shape): expected [\(hidden), \(hidden)]")
    }
    do {
      try checkHeads(numHiddens: hidden, numHeads: numHeads)
    } catch let error as AttentionError {
      throw AttentionError(error.kind, "W_q \(queryWeight.shape): \(error.description)")
    }
  }
}
