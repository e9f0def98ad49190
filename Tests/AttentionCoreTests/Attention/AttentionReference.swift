import Foundation

@testable import AttentionCore

/// Scaled dot-product attention in Float64, one score at a time, with every
/// mask rule written out as its definition; nothing shared with the kernel.
enum AttentionReference {
  /// The parts of a mask as the test built them.
  struct Masks {
    var causal: [AttentionMask.CausalAlignment] = []
    var validLengths: [[Int]] = []
    var booleans: [(allowed: [Bool], shape: [Int])] = []
    var additives: [Tensor] = []

    /// The same parts as an `AttentionMask`, combined one by one.
    var attentionMask: AttentionMask {
      var mask = AttentionMask.none
      for alignment in causal { mask = mask.combined(with: .causal(alignment)) }
      for lengths in validLengths { mask = mask.combined(with: .validLengths(lengths)) }
      for part in booleans { mask = mask.combined(with: .boolean(part.allowed, shape: part.shape)) }
      for part in additives { mask = mask.combined(with: .additive(part)) }
      return mask
    }
  }

  struct Result {
    /// `[B, H, Lq, Dv]` flattened.
    var output: [Double]
    /// `[B, H, Lq, Lk]` flattened; 0 at masked keys.
    var weights: [Double]
    /// `Σ_j |weights| · |values|` per output element: the scale of the
    /// rounding error a float computation of that element may make.
    var magnitude: [Double]
  }

  /// The element of a row-major `shape` array that score `(b, h, q, k)`
  /// reads under NumPy broadcasting against scores of rank `scoresRank`.
  static func broadcastIndex(_ shape: [Int], b: Int, h: Int, q: Int, k: Int, scoresRank: Int) -> Int {
    let scoreIndex = scoresRank == 4 ? [b, h, q, k] : [b, q, k]
    let aligned = Array(scoreIndex.suffix(shape.count))
    var flat = 0
    for axis in shape.indices {
      flat = flat * shape[axis] + (shape[axis] == 1 ? 0 : aligned[axis])
    }
    return flat
  }

  /// Attention of 3-D (`[B, L, D]`) or 4-D (`[B, H, L, D]`) inputs.
  static func attention(queries: Tensor, keys: Tensor, values: Tensor, masks: Masks, scale: Double?)
    -> Result
  {
    let rank = queries.rank
    let batch = queries.shape[0]
    let heads = rank == 4 ? queries.shape[1] : 1
    let queryCount = queries.shape[rank - 2]
    let depth = queries.shape[rank - 1]
    let keyCount = keys.shape[rank - 2]
    let valueDepth = values.shape[rank - 1]
    let scale = scale ?? 1 / Double(depth).squareRoot()
    var output = [Double](repeating: 0, count: batch * heads * queryCount * valueDepth)
    var magnitude = output
    var weights = [Double](repeating: 0, count: batch * heads * queryCount * keyCount)

    for b in 0..<batch {
      for h in 0..<heads {
        let matrix = b * heads + h
        for q in 0..<queryCount {
          var logits = [Double](repeating: -.infinity, count: keyCount)
          for k in 0..<keyCount {
            var visible = true
            for alignment in masks.causal {
              let last = alignment == .topLeft ? q : q + keyCount - queryCount
              if k > last { visible = false }
            }
            for lengths in masks.validLengths {
              let length = lengths.count == batch ? lengths[b] : lengths[b * queryCount + q]
              if k >= length { visible = false }
            }
            for part in masks.booleans
            where !part.allowed[broadcastIndex(part.shape, b: b, h: h, q: q, k: k, scoresRank: rank)] {
              visible = false
            }
            guard visible else { continue }
            var score = 0.0
            for d in 0..<depth {
              score +=
                Double(queries.scalars[(matrix * queryCount + q) * depth + d])
                * Double(keys.scalars[(matrix * keyCount + k) * depth + d])
            }
            score *= scale
            for part in masks.additives {
              score += Double(
                part.scalars[broadcastIndex(part.shape, b: b, h: h, q: q, k: k, scoresRank: rank)])
            }
            logits[k] = score
          }
          // Softmax over the visible keys; a row with none stays all zero.
          let peak = logits.max()!
          guard peak > -.infinity else { continue }
          let exps = logits.map { exp($0 - peak) }
          let sum = exps.reduce(0, +)
          let row = (matrix * queryCount + q)
          for k in 0..<keyCount {
            let weight = exps[k] / sum
            weights[row * keyCount + k] = weight
            for e in 0..<valueDepth {
              let value = Double(values.scalars[(matrix * keyCount + k) * valueDepth + e])
              output[row * valueDepth + e] += weight * value
              magnitude[row * valueDepth + e] += weight * abs(value)
            }
          }
        }
      }
    }
    return Result(output: output, weights: weights, magnitude: magnitude)
  }
}
