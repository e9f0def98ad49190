/// Attention pooling with the feature axis split into heads, and no learned
/// projections: each head attends with its own slice of the query, key and
/// value features, and the heads' outputs are concatenated again.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width, both divisible by `H`.
///
/// This is d2l's `MultiHeadAttention` with every projection the identity:
/// `transpose_qkv` on the inputs, attention per head (scaled by
/// `1/√(D/H)`, the width a head sees), `transpose_output` on the result. It
/// shows how the heads of given queries and keys attend before any
/// training; `MultiHeadAttention` adds the learned `W_q`, `W_k`, `W_v`, `W_o`.
///
/// - Parameters:
///   - queries: `[B, Lq, D]`.
///   - keys: `[B, Lk, D]`.
///   - values: `[B, Lk, Dv]`.
///   - heads: `H`, at least 1, dividing `D` and `Dv`.
///   - scoring: `.dot` or `.scaledDot` (divides by `√(D/H)`).
///   - validLengths: `nil`, `[B]` or `[B·Lq]`, as in
///     `attentionPooling(queries:keys:values:scoring:validLengths:causal:)`,
///     the same for every head.
///   - causal: when `true`, query `i` sees keys `0...i` only.
/// - Returns: `output` `[B, Lq, Dv]`, the heads' outputs side by side, and
///   `attentionWeights` `[B, H, Lq, Lk]`.
/// - Throws: `AttentionError` naming the shapes that disagree, an `H` that
///   does not divide `D` or `Dv`, or the bad valid lengths.
public func attentionPooling(
  queries: Tensor, keys: Tensor, values: Tensor, heads: Int, scoring: AttentionScoring = .scaledDot,
  validLengths: [Int]? = nil, causal: Bool = false
) throws -> (output: Tensor, attentionWeights: Tensor) {
  try checkHeadSplit(queries: queries, keys: keys, values: values, heads: heads)
  let mask = try ValidLengths.mask(
    validLengths, causal: causal, batch: queries.shape[0], queries: queries.shape[1], keys: keys.shape[1],
    for: "keys \(keys.shape)")
  return try poolSplitHeads(
    queries: queries, keys: keys, values: values, heads: heads, scoring: scoring, mask: mask)
}

/// `attentionPooling(queries:keys:values:heads:scoring:validLengths:causal:)`
/// under any mask of the 3-D scores `[B, Lq, Lk]`, which holds for every head.
///
/// - Throws: `AttentionError` for inputs that cannot be split, or a mask
///   that does not fit the scores.
public func attentionPooling(
  queries: Tensor, keys: Tensor, values: Tensor, heads: Int, scoring: AttentionScoring = .scaledDot,
  mask: AttentionMask
) throws -> (output: Tensor, attentionWeights: Tensor) {
  try checkHeadSplit(queries: queries, keys: keys, values: values, heads: heads)
  return try poolSplitHeads(
    queries: queries, keys: keys, values: values, heads: heads, scoring: scoring, mask: mask)
}

/// Throws unless the inputs are 3-D sequences whose features `H` heads divide.
private func checkHeadSplit(queries: Tensor, keys: Tensor, values: Tensor, heads: Int) throws {
  _ = try LayerInputs.checkSequences(
    queries: queries, keys: keys, values: values, layer: "attention pooling over heads")
  guard heads >= 1 else {
    throw AttentionError.invalidArgument("the number of heads must be at least 1, got \(heads)")
  }
  for (name, tensor) in [("queries", queries), ("keys", keys), ("values", values)] {
    let width = tensor.shape[2]
    guard width % heads == 0 else {
      throw AttentionError.invalidArgument(
        "\(name) \(tensor.shape) cannot be split into \(heads) heads: the last axis \(width) "
          + "is not divisible by \(heads)")
    }
  }
}

/// The pooling of inputs `checkHeadSplit` passed: `[B, H, L, ·/H]` each, the
/// head axis treated as a batch, the mask lifted over it.
private func poolSplitHeads(
  queries: Tensor, keys: Tensor, values: Tensor, heads: Int, scoring: AttentionScoring, mask: AttentionMask
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let pooled = try attentionPooling(
    queries: splitHeads(queries, heads: heads), keys: splitHeads(keys, heads: heads),
    values: splitHeads(values, heads: heads), scoring: scoring, mask: mask.liftedOverHeads())
  return (try mergeHeads(pooled.output), pooled.attentionWeights)
}
