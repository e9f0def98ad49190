/// Scaled dot-product attention as a layer, d2l's `DotProductAttention`:
/// scores `q·k / √D`, masked softmax over the keys, weighted sum of values.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width.
///
/// The layer has no parameters; like d2l's module it keeps the weights of
/// its last call in `attentionWeights`, for drawing them afterwards. d2l's
/// dropout on the weights is omitted: this is the layer at inference time
/// (`model.eval()`), where dropout is the identity.
///
/// A struct with a `mutating` call rather than a class: the layer is a
/// value, so a copy never changes behind the back of another thread or
/// another model (Swift 6 checks this; the layer is `Sendable`), and
/// `forward` gives the same result without recording anything. The price is
/// `var attention = DotProductAttention()` instead of `let`.
///
/// ```swift
/// var attention = DotProductAttention()
/// let output = try attention(queries: queries, keys: keys, values: values, validLengths: [2, 6])
/// let weights = attention.attentionWeights!  // [B, Lq, Lk]
/// ```
public struct DotProductAttention: Sendable {
  /// The attention weights of the last call, `[B, Lq, Lk]` (or
  /// `[B, H, Lq, Lk]`), as d2l's `self.attention_weights`; `nil` before the
  /// first call.
  public internal(set) var attentionWeights: Tensor?
  /// How a query and a key are scored: scaled dot product (d2l's), or the
  /// plain dot product.
  public var scoring: AttentionScoring
  /// Splits the features of 3-D inputs into this many heads before pooling,
  /// as d2l's `transpose_qkv` does but without projections, and joins the
  /// heads' outputs after; `nil` pools the inputs as they are.
  public var heads: Int?

  /// Creates the layer.
  ///
  /// - Parameters:
  ///   - scoring: `.scaledDot` (d2l's `DotProductAttention`) or `.dot`.
  ///   - heads: split 3-D `[B, L, D]` inputs into `heads` heads of `D / heads`
  ///     features (scaled by `√(D / heads)`); the weights are then
  ///     `[B, heads, Lq, Lk]` and the output `[B, Lq, Dv]`.
  public init(scoring: AttentionScoring = .scaledDot, heads: Int? = nil) {
    self.scoring = scoring
    self.heads = heads
  }

  /// Attends and records the weights in `attentionWeights`.
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, D]` (or `[B, H, Lq, D]`).
  ///   - keys: `[B, Lk, D]` (or `[B, H, Lk, D]`).
  ///   - values: `[B, Lk, Dv]` (or `[B, H, Lk, Dv]`).
  ///   - validLengths: `nil`, `[B]` or `[B·Lq]` (d2l's `valid_lens` of shape
  ///     `[B]` or `[B, Lq]`, flattened); keys at index >= the length get no
  ///     weight, and a length of 0 gives uniform weights, as d2l's
  ///     `masked_softmax`.
  ///   - causal: when `true`, query `i` also sees keys `0...i` only. d2l
  ///     gets the same mask from valid lengths `[B, Lq]` holding `1...Lq`.
  /// - Returns: `[B, Lq, Dv]` (or `[B, H, Lq, Dv]`).
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
  /// - Returns: `output` `[B, Lq, Dv]` and `attentionWeights` `[B, Lq, Lk]`
  ///   (or with a head axis after `B`).
  /// - Throws: `AttentionError` naming the shapes that disagree, or the bad
  ///   valid lengths.
  public func forward(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> (output: Tensor, attentionWeights: Tensor) {
    // The layer's one pooling call; `MultiHeadAttention` pools through here
    // too, so a faster kernel with the same semantics replaces this line only.
    if let heads {
      return try attentionPooling(
        queries: queries, keys: keys, values: values, heads: heads, scoring: scoring,
        validLengths: validLengths, causal: causal)
    }
    return try attentionPooling(
      queries: queries, keys: keys, values: values, scoring: scoring, validLengths: validLengths,
      causal: causal)
  }

  /// Attends under any `AttentionMask` of the scores `[B, Lq, Lk]` (or
  /// `[B, H, Lq, Lk]`), without recording anything; a query that sees no
  /// key gets d2l's uniform row.
  ///
  /// - Returns: as `forward(queries:keys:values:validLengths:causal:)`.
  /// - Throws: `AttentionError` naming the shapes that disagree, or a mask
  ///   that does not fit.
  public func forward(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask) throws -> (
    output: Tensor, attentionWeights: Tensor
  ) {
    if let heads {
      return try attentionPooling(
        queries: queries, keys: keys, values: values, heads: heads, scoring: scoring, mask: mask)
    }
    return try attentionPooling(queries: queries, keys: keys, values: values, scoring: scoring, mask: mask)
  }
}
