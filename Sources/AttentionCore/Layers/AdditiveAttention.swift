import Foundation

/// Additive attention, d2l's `AdditiveAttention` (Bahdanau et al.): queries
/// and keys of different widths meet in a hidden space of `h` features.
///
/// Legend: `B` batch, `Lq` queries, `Lk` keys (= values), `Dq` query width,
/// `Dk` key width, `Dv` value width, `h` hidden width (`numHiddens`).
///
/// The score of query `q` and key `k` is `w_vᵀ · tanh(W_qᵀ q + W_kᵀ k)`, a
/// one-hidden-layer perceptron on the pair; the scores go through d2l's
/// masked softmax and the weights pool the values.
///
/// The weights are stored `[in, out]`, so a projection is `x @ W`: the
/// transpose of PyTorch's `nn.Linear.weight` (`[out, in]`), i.e. export
/// `linear.weight.T`. None has a bias, as d2l's
/// `nn.LazyLinear(num_hiddens, bias=False)`. d2l's dropout on the attention
/// weights is omitted: this is the layer at inference time.
///
/// A struct with a `mutating` call, for the reasons given at
/// `DotProductAttention`.
public struct AdditiveAttention: Sendable {
  /// d2l's `W_q`, projecting queries to the hidden space: `[Dq, h]`.
  public var queryWeight: Tensor
  /// d2l's `W_k`, projecting keys to the hidden space: `[Dk, h]`.
  public var keyWeight: Tensor
  /// d2l's `w_v`, scoring a hidden feature vector: `[h, 1]`.
  public var scoreWeight: Tensor
  /// The attention weights of the last call, `[B, Lq, Lk]`, as d2l's
  /// `self.attention_weights`; `nil` before the first call.
  public internal(set) var attentionWeights: Tensor?

  /// `h`, the width of the hidden space (the columns of `queryWeight`).
  public var numHiddens: Int { queryWeight.shape.last ?? 0 }

  /// Creates the layer with PyTorch's default `nn.Linear` initialisation
  /// from a fresh generator: `TorchGenerator(seed: seed)`.
  ///
  /// See `init(keySize:querySize:numHiddens:generator:)`.
  ///
  /// - Throws: `AttentionError` if a size is below 1.
  public init(keySize: Int, querySize: Int, numHiddens: Int, seed: UInt64 = 0) throws {
    var generator = TorchGenerator(seed: seed)
    try self.init(keySize: keySize, querySize: querySize, numHiddens: numHiddens, generator: &generator)
  }

  /// Creates the layer with PyTorch's default `nn.Linear` initialisation,
  /// drawing from `generator`.
  ///
  /// Each weight is uniform on `[−1/√in, 1/√in)` (`kaiming_uniform_` with
  /// `a = √5`), drawn as `TorchGenerator.linearWeight(inputSize:outputSize:)`
  /// draws it, in the order d2l's lazy layers materialise at their first
  /// call: `W_q`, then `W_k`, then `w_v`. So after `torch.manual_seed(s)`
  /// and the same draws before, d2l's layer holds the same weights.
  ///
  /// - Parameters:
  ///   - keySize: `Dk`, at least 1.
  ///   - querySize: `Dq`, at least 1.
  ///   - numHiddens: `h`, at least 1.
  ///   - generator: the random source, advanced past the draws.
  /// - Throws: `AttentionError` if a size is below 1.
  public init(keySize: Int, querySize: Int, numHiddens: Int, generator: inout TorchGenerator) throws {
    guard keySize >= 1, querySize >= 1, numHiddens >= 1 else {
      throw AttentionError.invalidArgument(
        "additive attention needs keySize, querySize and numHiddens of at least 1, "
          + "got \(keySize), \(querySize) and \(numHiddens)")
    }
    let queryWeight = generator.linearWeight(inputSize: querySize, outputSize: numHiddens)
    let keyWeight = generator.linearWeight(inputSize: keySize, outputSize: numHiddens)
    let scoreWeight = generator.linearWeight(inputSize: numHiddens, outputSize: 1)
    try self.init(queryWeight: queryWeight, keyWeight: keyWeight, scoreWeight: scoreWeight)
  }

  /// Creates the layer with the given weights.
  ///
  /// - Parameters:
  ///   - queryWeight: `W_q`, `[Dq, h]`.
  ///   - keyWeight: `W_k`, `[Dk, h]`.
  ///   - scoreWeight: `w_v`, `[h, 1]`.
  /// - Throws: `AttentionError` naming the weights whose shapes disagree.
  public init(queryWeight: Tensor, keyWeight: Tensor, scoreWeight: Tensor) throws {
    try Self.checkWeights(queryWeight: queryWeight, keyWeight: keyWeight, scoreWeight: scoreWeight)
    self.queryWeight = queryWeight
    self.keyWeight = keyWeight
    self.scoreWeight = scoreWeight
  }

  /// Attends and records the weights in `attentionWeights`.
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, Dq]`.
  ///   - keys: `[B, Lk, Dk]`.
  ///   - values: `[B, Lk, Dv]`.
  ///   - validLengths: `nil`, `[B]` or `[B·Lq]` (d2l's `valid_lens` of shape
  ///     `[B]` or `[B, Lq]`, flattened), each in `0...Lk`; keys at index >=
  ///     the length get no weight, and a length of 0 gives uniform weights,
  ///     as d2l's `masked_softmax`.
  ///   - causal: when `true`, query `i` also sees keys `0...i` only.
  /// - Returns: `[B, Lq, Dv]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or the bad
  ///   valid lengths.
  public mutating func callAsFunction(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> Tensor {
    let result = try forward(
      queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    attentionWeights = result.attentionWeights
    return result.output
  }

  /// Attends without recording anything: the output and the weights.
  ///
  /// - Parameters: as `callAsFunction(queries:keys:values:validLengths:causal:)`.
  /// - Returns: `output` `[B, Lq, Dv]` and `attentionWeights` `[B, Lq, Lk]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or the bad
  ///   valid lengths.
  public func forward(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> (output: Tensor, attentionWeights: Tensor) {
    try Self.checkWeights(queryWeight: queryWeight, keyWeight: keyWeight, scoreWeight: scoreWeight)
    let sizes = try LayerInputs.checkSequences(
      queries: queries, keys: keys, values: values, layer: "additive attention")
    let mask = try ValidLengths.mask(
      validLengths, causal: causal, batch: sizes.batch, queries: sizes.queryCount, keys: sizes.keyCount,
      for: "keys \(keys.shape)")
    return try forward(queries: queries, keys: keys, values: values, mask: mask)
  }

  /// Attends under any `AttentionMask` of the scores `[B, Lq, Lk]`, without
  /// recording anything; a query that sees no key gets d2l's uniform row.
  ///
  /// - Returns: `output` `[B, Lq, Dv]` and `attentionWeights` `[B, Lq, Lk]`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or a mask
  ///   that does not fit.
  public func forward(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask) throws -> (
    output: Tensor, attentionWeights: Tensor
  ) {
    try Self.checkWeights(queryWeight: queryWeight, keyWeight: keyWeight, scoreWeight: scoreWeight)
    _ = try LayerInputs.checkSequences(
      queries: queries, keys: keys, values: values, layer: "additive attention")
    let projectedQueries = try LayerInputs.project(queries, named: "queries", by: queryWeight, named: "W_q")
    let projectedKeys = try LayerInputs.project(keys, named: "keys", by: keyWeight, named: "W_k")
    let scores = Self.scores(queries: projectedQueries, keys: projectedKeys, scoreWeight: scoreWeight)
    // The layer's one pooling step: the softmax of the masked scores, then weights @ values.
    let shapes = try AttentionShapes(queries: projectedQueries, keys: projectedKeys, values: values)
    let attentionWeights = try maskedSoftmax(
      scores, mask: mask, shapes: shapes, fullyMaskedRows: .uniform)
    return (try matmul(attentionWeights, values), attentionWeights)
  }

  /// Throws unless the weights are `[Dq, h]`, `[Dk, h]` and `[h, 1]`.
  private static func checkWeights(queryWeight: Tensor, keyWeight: Tensor, scoreWeight: Tensor) throws {
    try LayerInputs.checkMatrix(queryWeight, named: "W_q")
    let hidden = queryWeight.shape[1]
    guard hidden >= 1 else {
      throw AttentionError.shapeMismatch(
        "W_q \(queryWeight.shape) has no hidden features: h must be at least 1")
    }
    guard keyWeight.rank == 2, keyWeight.shape[1] == hidden else {
      throw AttentionError.shapeMismatch(
        "W_q \(queryWeight.shape) and W_k \(keyWeight.shape) disagree on h: W_k must be [Dk, \(hidden)]")
    }
    guard scoreWeight.shape == [hidden, 1] else {
      throw AttentionError.shapeMismatch(
        "w_v \(scoreWeight.shape) does not fit W_q \(queryWeight.shape): expected [\(hidden), 1]")
    }
  }

  /// `w_vᵀ · tanh(q + k)` for every projected query and key.
  ///
  /// d2l materialises `features` `[B, Lq, Lk, h]` by broadcasting; one pass
  /// per (query, key) pair computes the same sums without that buffer.
  ///
  /// - Parameters:
  ///   - queries: projected queries, `[B, Lq, h]`.
  ///   - keys: projected keys, `[B, Lk, h]`.
  ///   - scoreWeight: `[h, 1]`.
  /// - Returns: `[B, Lq, Lk]`.
  private static func scores(queries: Tensor, keys: Tensor, scoreWeight: Tensor) -> Tensor {
    let (batch, queryCount, hidden) = (queries.shape[0], queries.shape[1], queries.shape[2])
    let keyCount = keys.shape[1]
    let count = batch * queryCount * keyCount
    let scalars = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      guard count > 0 else { return }
      queries.scalars.withUnsafeBufferPointer { queryBuffer in
        keys.scalars.withUnsafeBufferPointer { keyBuffer in
          scoreWeight.scalars.withUnsafeBufferPointer { weight in
            let destination = output.baseAddress!
            ParallelRows.forEachChunk(rows: batch * queryCount, rowLength: keyCount * hidden) { rows in
              for row in rows {
                let query = queryBuffer.baseAddress! + row * hidden  // [h]
                let batchKeys = keyBuffer.baseAddress! + (row / queryCount) * keyCount * hidden  // [Lk, h]
                for j in 0..<keyCount {
                  let key = batchKeys + j * hidden
                  var score: Float = 0
                  for f in 0..<hidden { score += weight[f] * tanh(query[f] + key[f]) }
                  destination[row * keyCount + j] = score
                }
              }
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: [batch, queryCount, keyCount], scalars: scalars)
  }
}
