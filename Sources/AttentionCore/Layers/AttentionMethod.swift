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
  ///   - validLengths: `nil`, `[B]` or `[B·Lq]`, as d2l's `valid_lens`.
  ///   - causal: query `i` sees keys `0...i` only.
  /// - Returns: the pooled `output` and the `attentionWeights`, whose shapes
  ///   each method documents.
  /// - Throws: `AttentionError` naming the shapes that disagree.
  func forward(queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]?, causal: Bool) throws
    -> (output: Tensor, attentionWeights: Tensor)
}

extension AttentionMethod {
  /// Attends over one sequence or a batch: 2-D queries, keys and values
  /// (`[Lq, D]`, `[Lk, D]`, `[Lk, Dv]`) are a batch of one, and their results
  /// keep the 2-D shapes (`[Lq, Dv]`, `[Lq, Lk]`); other ranks go to
  /// `forward` as they are.
  public func attend(
    queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]? = nil, causal: Bool = false
  ) throws -> (output: Tensor, attentionWeights: Tensor) {
    guard queries.rank == 2 && keys.rank == 2 && values.rank == 2 else {
      return try forward(
        queries: queries, keys: keys, values: values, validLengths: validLengths, causal: causal)
    }
    let result = try forward(
      queries: queries.reshaped([1] + queries.shape), keys: keys.reshaped([1] + keys.shape),
      values: values.reshaped([1] + values.shape), validLengths: validLengths, causal: causal)
    return (
      result.output.reshaped(Array(result.output.shape.dropFirst())),
      result.attentionWeights.reshaped(Array(result.attentionWeights.shape.dropFirst()))
    )
  }
}

extension DotProductAttention: AttentionMethod {}
extension AdditiveAttention: AttentionMethod {}
extension MultiHeadAttention: AttentionMethod {}
