/// Average pooling, a non-volitional cue: every valid key gets the same
/// weight, so the output is the plain mean of their values.
///
/// Legend: `B` batch, `Lk` keys (= values), `Dv` value width.
///
/// No query takes part; the one output row per batch element stands where a
/// query row would, so the result can be drawn next to volitional attention.
///
/// - Parameters:
///   - values: `[B, Lk, Dv]`.
///   - validLengths: `nil` or `[B]`, each in `0...Lk`. Keys at index >= the
///     length get weight 0; a length of 0 leaves every key alike, so the row
///     is uniform over all keys, as `maskedSoftmax` makes it.
/// - Returns: `output` `[B, 1, Dv]`, the mean of the valid values, and
///   `attentionWeights` `[B, 1, Lk]`, 1/length at the valid keys.
/// - Throws: `AttentionError` if `values` is not 3-D or the valid lengths
///   are wrong.
public func averagePooling(
  values: Tensor, validLengths: [Int]? = nil
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let (batch, keyCount, _) = try NonVolitionalShapes.values(values)
  let rowValidLengths = try ValidLengths.perRow(
    validLengths, batch: batch, queries: 1, keys: keyCount, for: "values \(values.shape)")
  // Equal scores through the masked softmax: uniform over the valid keys.
  let attentionWeights = maskedSoftmax(.zeros([batch, 1, keyCount]), rowValidLengths: rowValidLengths)
  let output = try matmul(attentionWeights, values)
  return (output, attentionWeights)
}

/// Shape checks shared by the query-free pooling functions.
enum NonVolitionalShapes {
  /// `(B, Lk, Dv)` of a `[B, Lk, Dv]` values tensor.
  static func values(_ values: Tensor) throws -> (batch: Int, keyCount: Int, valueDepth: Int) {
    guard values.rank == 3 else {
      throw AttentionError.shapeMismatch("values must be [B, Lk, Dv], got \(values.shape)")
    }
    return (values.shape[0], values.shape[1], values.shape[2])
  }
}
