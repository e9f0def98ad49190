/// Scaled dot-product attention: `softmax(queries · keysᵀ · scale + mask) · values`,
/// computed in tiles without materialising the `Lq × Lk` scores.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys (= values),
/// `D` query/key width, `Dv` value width.
///
/// The inputs are all 4-D (`[B, H, L, D]`) or all 3-D (`[B, L, D]`, one
/// head); the output has the inputs' rank. The kernel walks the keys in
/// blocks with a running maximum and sum per query (FlashAttention-2), so
/// the extra memory is a few tiles per core; key blocks that a causal mask
/// or valid lengths hide from every query of a block are skipped. A query
/// whose every key is masked gets zeros (see `AttentionMask`). NaN in a
/// query or a visible key makes its rows NaN; NaN in a value reaches that
/// value's column in every row whose key blocks include it, even at weight
/// 0 (0 · NaN is NaN, as in a matrix product).
///
/// `scaledDotProductAttentionWithWeights` gives the attention weights too.
///
/// - Parameters:
///   - queries: `[B, H, Lq, D]` or `[B, Lq, D]`.
///   - keys: `[B, H, Lk, D]` or `[B, Lk, D]`.
///   - values: `[B, H, Lk, Dv]` or `[B, Lk, Dv]`.
///   - mask: which keys each query sees, and any additive bias; `.none`
///     by default.
///   - scale: multiplies `queries · keysᵀ` before the mask is added;
///     `1/√D` by default.
/// - Returns: `[B, H, Lq, Dv]` (or `[B, Lq, Dv]`).
/// - Throws: `AttentionError` naming the shapes that disagree, a mask that
///   does not fit the scores, bad valid lengths, an empty sequence or
///   feature axis (`Lq`, `Lk` or `D` of 0), or a scale that is not finite.
public func scaledDotProductAttention(
  queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask = .none, scale: Float? = nil
) throws -> Tensor {
  try scaledDotProductAttention(
    queries: queries, keys: keys, values: values, mask: mask, scale: scale, returnWeights: false,
    instructionSet: .detected, threadCount: nil, keyBlock: ScaledDotProductKernel.defaultKeyBlock
  ).output
}

/// `scaledDotProductAttention` that also returns the attention weights,
/// from the same kernel in a second pass over the keys.
///
/// - Parameters:
///   - fullyMaskedRows: what a query that sees no key gets: `.zeros` (by
///     default) or d2l's `.uniform` row, which then replaces the kernel's
///     zeros for those queries alone.
///   - others: as `scaledDotProductAttention(queries:keys:values:mask:scale:)`.
/// - Returns: `output` `[B, H, Lq, Dv]` (or `[B, Lq, Dv]`) and
///   `attentionWeights` `[B, H, Lq, Lk]` (or `[B, Lq, Lk]`, `B·H·Lq·Lk`
///   floats), rows summing to 1, or 0 where every key is masked and the
///   policy is `.zeros`.
/// - Throws: as `scaledDotProductAttention(queries:keys:values:mask:scale:)`.
public func scaledDotProductAttentionWithWeights(
  queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask = .none, scale: Float? = nil,
  fullyMaskedRows: AttentionMask.FullyMaskedRows = .zeros
) throws -> (output: Tensor, attentionWeights: Tensor) {
  let result = try scaledDotProductAttention(
    queries: queries, keys: keys, values: values, mask: mask, scale: scale, returnWeights: true,
    instructionSet: .detected, threadCount: nil, keyBlock: ScaledDotProductKernel.defaultKeyBlock)
  // The kernel writes weights whenever it is asked for them.
  var (output, attentionWeights) = (result.output, result.attentionWeights!)
  if fullyMaskedRows == .uniform {
    fillUniformRows(output: &output, attentionWeights: &attentionWeights, values: values)
  }
  return (output, attentionWeights)
}

/// d2l's row for the queries the kernel found no key for: the kernel gives
/// them all-zero weights, which no other row has (softmax over any visible
/// key puts at least `1/Lk` on the largest), so those rows are exactly the
/// fully masked ones. They become `1/Lk` on every key and the mean of the
/// values.
///
/// - Parameters:
///   - output: `[M, Lq, Dv]` as laid out, `M` the batch times the heads.
///   - attentionWeights: `[M, Lq, Lk]`.
///   - values: `[M, Lk, Dv]`.
private func fillUniformRows(output: inout Tensor, attentionWeights: inout Tensor, values: Tensor) {
  let keyCount = attentionWeights.shape[attentionWeights.rank - 1]  // Lk
  let valueDepth = output.shape[output.rank - 1]  // Dv
  guard keyCount > 0 else { return }
  let rowCount = attentionWeights.count / keyCount  // M·Lq
  let queryCount = attentionWeights.shape[attentionWeights.rank - 2]  // Lq
  let share = 1 / Float(keyCount)
  var means: [Int: [Float]] = [:]  // the mean of the values, per matrix
  attentionWeights.withUnsafeMutableScalars { weights in
    output.withUnsafeMutableScalars { pooled in
      for row in 0..<rowCount {
        let weightRow = row * keyCount
        guard (weightRow..<weightRow + keyCount).allSatisfy({ weights[$0] == 0 }) else { continue }
        for key in 0..<keyCount { weights[weightRow + key] = share }
        let matrix = row / queryCount
        if means[matrix] == nil {
          var mean = [Double](repeating: 0, count: valueDepth)
          for key in 0..<keyCount {
            let start = (matrix * keyCount + key) * valueDepth
            for feature in 0..<valueDepth { mean[feature] += Double(values.scalars[start + feature]) }
          }
          means[matrix] = mean.map { Float($0 / Double(keyCount)) }
        }
        for feature in 0..<valueDepth { pooled[row * valueDepth + feature] = means[matrix]![feature] }
      }
    }
  }
}

/// `scaledDotProductAttention` with the kernel's choices made by the caller,
/// so that every instruction set, thread count and tile size can be tested.
func scaledDotProductAttention(
  queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask, scale: Float?, returnWeights: Bool,
  instructionSet: KernelInstructionSet, threadCount: Int?, keyBlock: Int
) throws -> (output: Tensor, attentionWeights: Tensor?) {
  let problem = try ScaledDotProductKernel.Problem(queries: queries, keys: keys, values: values, mask: mask, scale: scale)
  let shapes = problem.shapes

  let outputCount = shapes.matrixCount * shapes.queryCount * shapes.valueDepth
  let weightCount = returnWeights ? shapes.matrixCount * shapes.queryCount * shapes.keyCount : 0
  var weightScalars: [Float]? = nil
  let outputScalars = [Float](unsafeUninitializedCapacity: outputCount) { output, initialized in
    queries.scalars.withUnsafeBufferPointer { queries in
      keys.scalars.withUnsafeBufferPointer { keys in
        values.scalars.withUnsafeBufferPointer { values in
          guard returnWeights else {
            ScaledDotProductKernel.run(
              problem, queries: queries, keys: keys, values: values, output: output, weights: nil,
              instructionSet: instructionSet, threadCount: threadCount, keyBlock: keyBlock)
            return
          }
          weightScalars = [Float](unsafeUninitializedCapacity: weightCount) { weights, written in
            ScaledDotProductKernel.run(
              problem, queries: queries, keys: keys, values: values, output: output, weights: weights,
              instructionSet: instructionSet, threadCount: threadCount, keyBlock: keyBlock)
            written = weightCount
          }
        }
      }
    }
    initialized = outputCount
  }
  let output = Tensor(
    shape: shapes.leadingShape + [shapes.queryCount, shapes.valueDepth], scalars: outputScalars)
  let attentionWeights = weightScalars.map {
    Tensor(shape: shapes.leadingShape + [shapes.queryCount, shapes.keyCount], scalars: $0)
  }
  return (output, attentionWeights)
}
