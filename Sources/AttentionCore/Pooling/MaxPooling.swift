/// Max pooling, a non-volitional cue: each output feature is the largest
/// value that feature takes over the valid keys.
///
/// Legend: `B` batch, `Lk` keys (= values), `Dv` value width.
///
/// Max pooling picks a winner per feature rather than weighting keys, so
/// there is no softmax behind it. To draw it like attention, the weights
/// report how much of the output each key supplied: the fraction of the
/// `Dv` features whose maximum came from that key (ties go to the first
/// key). The weights sum to 1, and `output` equals `weights @ values` only
/// when one key wins every feature.
///
/// - Parameters:
///   - values: `[B, Lk, Dv]`.
///   - validLengths: `nil` or `[B]`, each in `0...Lk`. Keys at index >= the
///     length do not compete; a length of 0 lets every key compete, as a
///     fully masked row of `maskedSoftmax` treats every key alike.
/// - Returns: `output` `[B, 1, Dv]`, the elementwise maximum, and
///   `attentionWeights` `[B, 1, Lk]`, each key's share of the features won.
///   With `Dv = 0` there are no features to win, and the weights are uniform
///   over the competing keys.
/// - Throws: `AttentionError` if `values` is not 3-D or the valid lengths
///   are wrong.
public func maxPooling(
  values: Tensor, validLengths: [Int]? = nil
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let (batch, keyCount, valueDepth) = try NonVolitionalShapes.values(values)
  let lengths =
    try ValidLengths.perRow(
      validLengths, batch: batch, queries: 1, keys: keyCount, for: "values \(values.shape)")
    ?? Array(repeating: keyCount, count: batch)
  var output = [Float](repeating: 0, count: batch * valueDepth)  // [B, 1, Dv]
  var attentionWeights = [Float](repeating: 0, count: batch * keyCount)  // [B, 1, Lk]
  for b in 0..<batch {
    let competitors = lengths[b] == 0 ? keyCount : lengths[b]
    guard competitors > 0 else { continue }
    guard valueDepth > 0 else {
      for k in 0..<competitors { attentionWeights[b * keyCount + k] = 1 / Float(competitors) }
      continue
    }
    let matrix = b * keyCount * valueDepth  // start of values[b]
    var wins = [Int](repeating: 0, count: competitors)
    for feature in 0..<valueDepth {
      var winner = 0
      var best = values.scalars[matrix + feature]
      // Strictly greater: on a tie the earlier key keeps the feature.
      for k in 1..<competitors where values.scalars[matrix + k * valueDepth + feature] > best {
        best = values.scalars[matrix + k * valueDepth + feature]
        winner = k
      }
      output[b * valueDepth + feature] = best
      wins[winner] += 1
    }
    for k in 0..<competitors { attentionWeights[b * keyCount + k] = Float(wins[k]) / Float(valueDepth) }
  }
  return (
    Tensor(shape: [batch, 1, valueDepth], scalars: output),
    Tensor(shape: [batch, 1, keyCount], scalars: attentionWeights)
  )
}
