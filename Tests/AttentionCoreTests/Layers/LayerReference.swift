import Foundation

@testable import AttentionCore

/// Plain Float64 loops for d2l's attention layers, written from the book's
/// formulas with indices instead of reshapes, so they share no step with the
/// library's code.
enum LayerReference {
  /// The projection weights of a multi-head layer, `[in, out]` each.
  struct Projections {
    let query: Tensor  // [Dq, h]
    let key: Tensor  // [Dk, h]
    let value: Tensor  // [Dv, h]
    let output: Tensor  // [h, h]
  }

  /// d2l's valid lengths (`[B]` or `[B·Lq]`, or none) as one length per
  /// (batch element, query), with query `i` limited to `i + 1` keys when
  /// `causal`.
  static func rowLengths(
    _ validLengths: [Int]?, batch: Int, queryCount: Int, keyCount: Int, causal: Bool
  ) -> [Int] {
    (0..<batch * queryCount).map { row in
      var length = keyCount
      if let validLengths {
        length = validLengths.count == batch ? validLengths[row / queryCount] : validLengths[row]
      }
      return causal ? min(length, row % queryCount + 1) : length
    }
  }

  /// d2l's masked softmax of one row: entries at index >= `validLength`
  /// become -1e6 before the softmax (so a length of 0 gives uniform weights).
  static func maskedSoftmax(_ scores: [Double], validLength: Int) -> [Double] {
    let masked = scores.indices.map { $0 < validLength ? scores[$0] : -1e6 }
    guard let peak = masked.max() else { return [] }
    let exps = masked.map { Foundation.exp($0 - peak) }
    let total = exps.reduce(0, +)
    return exps.map { $0 / total }
  }

  /// `x @ weight` for `x` `[B, L, in]` and `weight` `[in, out]`, or `x`
  /// itself when `weight` is `nil`, as `[B][L][out]`.
  static func project(_ x: Tensor, _ weight: Tensor?) -> [[[Double]]] {
    let (batch, length, width) = (x.shape[0], x.shape[1], x.shape[2])
    return (0..<batch).map { b in
      (0..<length).map { l in
        guard let weight else { return (0..<width).map { Double(x[b, l, $0]) } }
        return (0..<weight.shape[1]).map { o in
          (0..<width).reduce(0.0) { $0 + Double(x[b, l, $1]) * Double(weight[$1, o]) }
        }
      }
    }
  }

  /// Attention of one head: `queries` `[Lq][d]`, `keys` `[Lk][d]`, `values`
  /// `[Lk][dv]`; returns the output `[Lq][dv]` and weights `[Lq][Lk]`.
  static func attend(
    queries: [[Double]], keys: [[Double]], values: [[Double]], scaled: Bool, lengths: [Int]
  ) -> (output: [[Double]], weights: [[Double]]) {
    let depth = queries.first?.count ?? 0
    let valueDepth = values.first?.count ?? 0
    let scale = scaled && depth > 0 ? 1 / Double(depth).squareRoot() : 1
    var output: [[Double]] = []
    var weights: [[Double]] = []
    for (i, query) in queries.enumerated() {
      let scores = keys.map { key in zip(query, key).reduce(0.0) { $0 + $1.0 * $1.1 } * scale }
      let row = maskedSoftmax(scores, validLength: lengths[i])
      weights.append(row)
      output.append(
        (0..<valueDepth).map { v in row.indices.reduce(0.0) { $0 + row[$1] * values[$1][v] } })
    }
    return (output, weights)
  }

  /// d2l's `DotProductAttention` (or unscaled dot product) on 3-D inputs.
  ///
  /// - Returns: `output` `[B, Lq, Dv]` and `weights` `[B, Lq, Lk]`, flat.
  static func dotProductAttention(
    queries: Tensor, keys: Tensor, values: Tensor, scaled: Bool = true, validLengths: [Int]?,
    causal: Bool = false
  ) -> (output: [Double], weights: [Double]) {
    let multiHead = multiHead(
      queries: queries, keys: keys, values: values, heads: 1, projections: nil, scaled: scaled,
      validLengths: validLengths, causal: causal)
    return (multiHead.output, multiHead.weights)
  }

  /// d2l's `AdditiveAttention`: `w_vᵀ tanh(W_qᵀ q + W_kᵀ k)`, masked softmax,
  /// weights @ values.
  ///
  /// - Returns: `output` `[B, Lq, Dv]` and `weights` `[B, Lq, Lk]`, flat.
  static func additiveAttention(
    queries: Tensor, keys: Tensor, values: Tensor, queryWeight: Tensor, keyWeight: Tensor,
    scoreWeight: Tensor, validLengths: [Int]?, causal: Bool = false
  ) -> (output: [Double], weights: [Double]) {
    let (batch, queryCount, keyCount) = (queries.shape[0], queries.shape[1], keys.shape[1])
    let hidden = queryWeight.shape[1]
    let projectedQueries = project(queries, queryWeight)
    let projectedKeys = project(keys, keyWeight)
    let lengths = rowLengths(
      validLengths, batch: batch, queryCount: queryCount, keyCount: keyCount, causal: causal)
    var output: [Double] = []
    var weights: [Double] = []
    for b in 0..<batch {
      for i in 0..<queryCount {
        let scores = (0..<keyCount).map { j in
          (0..<hidden).reduce(0.0) { sum, f in
            sum + Double(scoreWeight[f, 0])
              * Foundation.tanh(projectedQueries[b][i][f] + projectedKeys[b][j][f])
          }
        }
        let row = maskedSoftmax(scores, validLength: lengths[b * queryCount + i])
        weights += row
        for v in 0..<values.shape[2] {
          output.append((0..<keyCount).reduce(0.0) { $0 + row[$1] * Double(values[b, $1, v]) })
        }
      }
    }
    return (output, weights)
  }

  /// d2l's `MultiHeadAttention` with the given projections, or, with
  /// `projections == nil`, the inputs split into heads as they are and the
  /// heads' outputs concatenated.
  ///
  /// Head `hd` of a projected row of width `h` is its features
  /// `hd·h/H ..< (hd+1)·h/H`.
  ///
  /// - Returns: `output` `[B, Lq, h]` (or `[B, Lq, Dv]`) and `weights`
  ///   `[B, H, Lq, Lk]`, flat.
  static func multiHead(
    queries: Tensor, keys: Tensor, values: Tensor, heads: Int, projections: Projections?,
    scaled: Bool = true, validLengths: [Int]?, causal: Bool = false
  ) -> (output: [Double], weights: [Double]) {
    let (batch, queryCount, keyCount) = (queries.shape[0], queries.shape[1], keys.shape[1])
    let projectedQueries = project(queries, projections?.query)
    let projectedKeys = project(keys, projections?.key)
    let projectedValues = project(values, projections?.value)
    let lengths = rowLengths(
      validLengths, batch: batch, queryCount: queryCount, keyCount: keyCount, causal: causal)
    let headDepth = projectedQueries[0][0].count / heads
    let headValueDepth = projectedValues[0][0].count / heads
    func slice(_ rows: [[Double]], head: Int, width: Int) -> [[Double]] {
      rows.map { Array($0[head * width..<(head + 1) * width]) }
    }
    var weights: [Double] = []
    // concatenated[b][i] is the heads' outputs side by side.
    var concatenated = Array(
      repeating: Array(repeating: [Double](), count: queryCount), count: batch)
    for b in 0..<batch {
      for head in 0..<heads {
        let result = attend(
          queries: slice(projectedQueries[b], head: head, width: headDepth),
          keys: slice(projectedKeys[b], head: head, width: headDepth),
          values: slice(projectedValues[b], head: head, width: headValueDepth), scaled: scaled,
          lengths: Array(lengths[b * queryCount..<(b + 1) * queryCount]))
        weights += result.weights.flatMap { $0 }
        for i in 0..<queryCount { concatenated[b][i] += result.output[i] }
      }
    }
    var output: [Double] = []
    for b in 0..<batch {
      for i in 0..<queryCount {
        let row = concatenated[b][i]
        guard let outputWeight = projections?.output else {
          output += row
          continue
        }
        for o in 0..<outputWeight.shape[1] {
          output.append(row.indices.reduce(0.0) { $0 + row[$1] * Double(outputWeight[$1, o]) })
        }
      }
    }
    return (output, weights)
  }

  /// The sinusoidal table in exact arithmetic: `P[i, 2j] = sin(i / 10000^(2j/d))`,
  /// `P[i, 2j+1] = cos(...)`, `[maxLength, d]` flat, with the angles.
  static func positionalEncoding(numHiddens: Int, maxLength: Int) -> (table: [Double], angles: [Double]) {
    var table = [Double](repeating: 0, count: maxLength * numHiddens)
    var angles = [Double](repeating: 0, count: maxLength * numHiddens)
    for i in 0..<maxLength {
      for column in 0..<numHiddens {
        let j = column / 2
        let angle = Double(i) / Foundation.pow(10000, Double(2 * j) / Double(numHiddens))
        angles[i * numHiddens + column] = angle
        table[i * numHiddens + column] = column % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle)
      }
    }
    return (table, angles)
  }
}
