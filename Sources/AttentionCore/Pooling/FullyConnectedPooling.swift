/// Fully-connected (parametric) pooling, a non-volitional cue: a single
/// linear unit scores each key on its own, `w · k + b`, and the softmax of
/// those scores weights the values.
///
/// Legend: `B` batch, `Lk` keys (= values), `D` key width, `Dv` value width.
///
/// The weight vector encodes what is salient by itself (say, redness or
/// contrast), independent of any query: the seed's red cup that draws the
/// eye on a desk of plain papers.
///
/// - Parameters:
///   - keys: `[B, Lk, D]`.
///   - values: `[B, Lk, Dv]`.
///   - weight: `[D]` (or `[1, D]`, the shape of PyTorch's `nn.Linear(D, 1).weight`).
///   - bias: added to every score. The softmax ignores a common shift, so
///     the bias leaves the weights alone unless it pushes the scores down
///     towards the -1e6 that masked keys get.
///   - validLengths: `nil` or `[B]`, each in `0...Lk`, masked as in
///     `maskedSoftmax(_:validLengths:)`.
/// - Returns: `output` `[B, 1, Dv]` and `attentionWeights` `[B, 1, Lk]`.
/// - Throws: `AttentionError` naming the shapes that disagree, or the bad
///   valid lengths.
public func fullyConnectedPooling(
  keys: Tensor, values: Tensor, weight: Tensor, bias: Float = 0, validLengths: [Int]? = nil
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let scores = try fullyConnectedScores(keys: keys, weight: weight, bias: bias)
  let (batch, keyCount, _) = try NonVolitionalShapes.values(values)
  guard values.shape.prefix(2) == keys.shape.prefix(2) else {
    throw AttentionError.shapeMismatch(
      "keys \(keys.shape) and values \(values.shape) disagree on B or Lk")
  }
  let rowValidLengths = try ValidLengths.perRow(
    validLengths, batch: batch, queries: 1, keys: keyCount, for: "keys \(keys.shape)")
  let attentionWeights = maskedSoftmax(scores, rowValidLengths: rowValidLengths)
  let output = try matmul(attentionWeights, values)
  return (output, attentionWeights)
}

/// The scores `w · k + b` of a single linear unit for every key.
///
/// - Parameters:
///   - keys: `[B, Lk, D]`.
///   - weight: `[D]` or `[1, D]`.
///   - bias: added to every score.
/// - Returns: `[B, 1, Lk]`, shaped like one query row of attention scores.
/// - Throws: `AttentionError` if the shapes disagree.
public func fullyConnectedScores(keys: Tensor, weight: Tensor, bias: Float = 0) throws -> Tensor {
  guard keys.rank == 3 else {
    throw AttentionError.shapeMismatch("keys must be [B, Lk, D], got \(keys.shape)")
  }
  let depth = keys.shape[2]
  guard weight.shape == [depth] || weight.shape == [1, depth] else {
    throw AttentionError.shapeMismatch(
      "weight \(weight.shape) does not fit keys \(keys.shape): expected [\(depth)] or [1, \(depth)]")
  }
  // [B, 1, D] @ [B, Lk, D].mT would need the weight copied per batch; the
  // shared 2-D form does it in one call as keys @ w.
  let scores = try matmul(keys, weight.reshaped([depth, 1]))  // [B, Lk, 1]
  return scores.map { $0 + bias }.reshaped([keys.shape[0], 1, keys.shape[1]])
}
