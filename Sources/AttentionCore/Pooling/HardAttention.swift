/// Hard attention: all the weight (1.0) on the single best-scoring key, and
/// its value as the output.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width.
///
/// Choosing one key is not differentiable, so models that attend this way
/// are trained by other means (e.g. reinforcement learning), as the seed's
/// section 1.3.1 notes. The choice is the argmax of the scores after the
/// same masking `maskedSoftmax` applies (masked keys score -1e6), so it is
/// the limit of soft attention as the scores are sharpened without bound.
/// Ties go to the first key; a valid length of 0 therefore picks key 0.
///
/// - Parameters:
///   - queries: `[B, Lq, D]` or `[B, H, Lq, D]`.
///   - keys: `[B, Lk, D]` or `[B, H, Lk, D]`.
///   - values: `[B, Lk, Dv]` or `[B, H, Lk, Dv]`.
///   - scoring: `.dot` or `.scaledDot`; both pick the same key, as the
///     scale is positive.
///   - validLengths: as in `attentionPooling`: `nil`, `[B]` or `[B·Lq]`.
/// - Returns: `output` `[B, Lq, Dv]` (or `[B, H, Lq, Dv]`), each row a copy
///   of the chosen value, and one-hot `attentionWeights` `[B, Lq, Lk]` (or
///   `[B, H, Lq, Lk]`).
/// - Throws: `AttentionError` naming the shapes that disagree, or the bad
///   valid lengths. `Lk` must be at least 1.
public func hardAttention(
  queries: Tensor, keys: Tensor, values: Tensor, scoring: AttentionScoring = .scaledDot,
  validLengths: [Int]? = nil
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let shapes = try AttentionShapes(queries: queries, keys: keys, values: values)
  guard shapes.keyCount > 0 else {
    throw AttentionError.shapeMismatch("hard attention needs at least one key, got keys \(keys.shape)")
  }
  let rowValidLengths = try shapes.rowValidLengths(validLengths, context: "keys \(keys.shape)")
  let scores = try attentionScores(queries: queries, keys: keys, scoring: scoring)
  let (rows, keyCount, valueDepth) = (
    shapes.matrixCount * shapes.queryCount, shapes.keyCount, shapes.valueDepth
  )
  var attentionWeights = [Float](repeating: 0, count: rows * keyCount)
  var output = [Float](repeating: 0, count: rows * valueDepth)
  for row in 0..<rows {
    let validLength = rowValidLengths?[row] ?? keyCount
    var winner = 0
    var best = validLength > 0 ? scores.scalars[row * keyCount] : SoftmaxKernel.maskedLogit
    for k in 1..<keyCount {
      let score = k < validLength ? scores.scalars[row * keyCount + k] : SoftmaxKernel.maskedLogit
      if score > best {
        best = score
        winner = k
      }
    }
    attentionWeights[row * keyCount + winner] = 1
    // The value row of the winning key, in this row's batch matrix.
    let matrix = row / shapes.queryCount
    let source = (matrix * keyCount + winner) * valueDepth
    output.replaceSubrange(
      row * valueDepth..<(row + 1) * valueDepth, with: values.scalars[source..<source + valueDepth])
  }
  return (
    Tensor(shape: shapes.leadingShape + [shapes.queryCount, valueDepth], scalars: output),
    Tensor(shape: shapes.leadingShape + [shapes.queryCount, keyCount], scalars: attentionWeights)
  )
}
