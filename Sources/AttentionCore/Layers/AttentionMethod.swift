/// A way to pool values by the attention of queries over keys: the layers
/// of the attention chapter (`DotProductAttention`, `AdditiveAttention`,
/// `MultiHeadAttention`) behind one call.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width.
public protocol AttentionMethod: Sendable {
  /// Attends without recording anything.
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, D]` (4-D `[B, H, Lq, D]` where the method takes heads).
  ///   - keys: `[B, Lk, D]`.
  ///   - values: `[B, Lk, Dv]`.
  ///   - mask: which keys each query sees, as an `AttentionMask` of the
  ///     scores `[B, Lq, Lk]`; d2l's `valid_lens` are `.validLengths(_:)`.
  ///     A query that sees no key gets d2l's uniform row.
  /// - Returns: the pooled `output` and the `attentionWeights`, whose shapes
  ///   each method documents.
  /// - Throws: `AttentionError` naming the shapes that disagree, or a mask
  ///   that does not fit.
  func forward(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask) throws
    -> (output: Tensor, attentionWeights: Tensor)
}

extension AttentionMethod {
  /// Attends over one sequence or a batch: 2-D queries, keys and values
  /// (`[Lq, D]`, `[Lk, D]`, `[Lk, Dv]`) are a batch of one, and their results
  /// keep the 2-D shapes (`[Lq, Dv]`, `[Lq, Lk]`); other ranks go to
  /// `forward` as they are.
  public func attend(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask = .none) throws -> (
    output: Tensor, attentionWeights: Tensor
  ) {
    guard queries.rank == 2 && keys.rank == 2 && values.rank == 2 else {
      return try forward(queries: queries, keys: keys, values: values, mask: mask)
    }
    let result = try forward(
      queries: queries.reshaped([1] + queries.shape), keys: keys.reshaped([1] + keys.shape),
      values: values.reshaped([1] + values.shape), mask: mask)
    return (
      result.output.reshaped(Array(result.output.shape.dropFirst())),
      result.attentionWeights.reshaped(Array(result.attentionWeights.shape.dropFirst()))
    )
  }
}

extension DotProductAttention: AttentionMethod {}
extension AdditiveAttention: AttentionMethod {}
extension MultiHeadAttention: AttentionMethod {}
