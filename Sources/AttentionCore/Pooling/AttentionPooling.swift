/// Attention pooling: each query scores every key, the scores become
/// weights through a (masked) softmax, and the weights average the values.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width.
///
/// This is the volitional cue of the seed's section 1.3: the query says what
/// is sought, and the keys most like it win the most weight. The inputs are
/// either 3-D (`[B, L, D]`) or all 4-D with a head axis (`[B, H, L, D]`).
///
/// - Parameters:
///   - queries: `[B, Lq, D]` or `[B, H, Lq, D]`.
///   - keys: `[B, Lk, D]` or `[B, H, Lk, D]`.
///   - values: `[B, Lk, Dv]` or `[B, H, Lk, Dv]`.
///   - scoring: `.dot` or `.scaledDot` (divides by √D).
///   - validLengths: `nil`; `[B]`, one per batch element, repeated over
///     heads and queries; or `[B·Lq]`, one per batch element and query
///     (`[B, Lq]` flattened), repeated over heads. Keys at index >= the
///     length are masked as in `maskedSoftmax(_:validLengths:)`.
///   - causal: when `true`, query `i` sees keys `0...i` only (top-left
///     aligned, as PyTorch's `is_causal=True`), on top of `validLengths`.
/// - Returns: `output` `[B, Lq, Dv]` (or `[B, H, Lq, Dv]`) and
///   `attentionWeights` `[B, Lq, Lk]` (or `[B, H, Lq, Lk]`), rows summing to 1.
/// - Throws: `AttentionError` naming the shapes that disagree, or the bad
///   valid lengths.
public func attentionPooling(
  queries: Tensor, keys: Tensor, values: Tensor, scoring: AttentionScoring = .scaledDot,
  validLengths: [Int]? = nil, causal: Bool = false
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let shapes = try AttentionShapes(queries: queries, keys: keys, values: values)
  let mask = try ValidLengths.mask(
    validLengths, causal: causal, batch: shapes.batch, queries: shapes.queryCount, keys: shapes.keyCount,
    for: "keys \(keys.shape)")
  return try attentionPooling(queries: queries, keys: keys, values: values, scoring: scoring, mask: mask)
}

/// Attention pooling under any `AttentionMask`, with d2l's rule for a query
/// that sees no key: a uniform row (`AttentionMask.FullyMaskedRows.uniform`).
///
/// One path for every mask: the flash kernel gives exactly d2l's weights
/// where a row keeps a key (-1e6 and -∞ both give exp 0 beside a finite
/// score), and the policy fills the rows that keep none.
///
/// - Parameters:
///   - queries: `[B, Lq, D]` or `[B, H, Lq, D]`.
///   - keys: `[B, Lk, D]` or `[B, H, Lk, D]`.
///   - values: `[B, Lk, Dv]` or `[B, H, Lk, Dv]`.
///   - scoring: `.dot` or `.scaledDot` (divides by √D).
///   - mask: which keys each query sees (see `AttentionMask`).
/// - Returns: `output` and `attentionWeights` as
///   `attentionPooling(queries:keys:values:scoring:validLengths:causal:)`.
/// - Throws: `AttentionError` naming the shapes that disagree, or a mask
///   that does not fit.
public func attentionPooling(
  queries: Tensor, keys: Tensor, values: Tensor, scoring: AttentionScoring = .scaledDot,
  mask: AttentionMask
) throws -> (output: Tensor, attentionWeights: Tensor) {
  try scaledDotProductAttentionWithWeights(
    queries: queries, keys: keys, values: values, mask: mask, scale: scoring == .dot ? 1 : nil,
    fullyMaskedRows: .uniform)
}

/// The attention scores of every query against every key, before softmax.
///
/// - Parameters:
///   - queries: `[B, Lq, D]` or `[B, H, Lq, D]`.
///   - keys: `[B, Lk, D]` or `[B, H, Lk, D]`.
///   - scoring: `.dot` (`q·k`) or `.scaledDot` (`q·k / √D`).
/// - Returns: `[B, Lq, Lk]` or `[B, H, Lq, Lk]`.
/// - Throws: `AttentionError` if the shapes disagree.
public func attentionScores(
  queries: Tensor, keys: Tensor, scoring: AttentionScoring = .scaledDot
) throws -> Tensor {
  let shapes = try AttentionShapes(queries: queries, keys: keys, values: nil)
  let scale: Float
  switch scoring {
  case .dot: scale = 1
  case .scaledDot: scale = shapes.depth > 0 ? 1 / Float(shapes.depth).squareRoot() : 1
  }
  // 1/√D rides along as sgemm's alpha, and keys are read transposed in place.
  return try matmul(queries, keys, transposeB: true, alpha: scale)
}
