/// The checked shapes of a queries/keys/values triple.
///
/// Attention takes either `[B, L, D]` tensors or multi-head `[B, H, L, D]`
/// tensors; both are processed as `batch = B·H` independent matrices.
struct AttentionShapes: Sendable {
  /// `[B]` or `[B, H]`: the axes before the sequence axis.
  let leadingShape: [Int]
  /// `B`, the first axis, which valid lengths are given for.
  let batch: Int
  /// `H` for 4-D inputs, else 1.
  let heads: Int
  let queryCount: Int  // Lq
  let keyCount: Int  // Lk
  let depth: Int  // D
  let valueDepth: Int  // Dv

  /// `B·H`: the number of independent attention matrices.
  var matrixCount: Int { batch * heads }

  /// Checks that the three tensors fit together.
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, D]` or `[B, H, Lq, D]`.
  ///   - keys: `[B, Lk, D]` or `[B, H, Lk, D]`.
  ///   - values: `[B, Lk, Dv]` or `[B, H, Lk, Dv]`; `nil` when only scores are wanted.
  init(queries: Tensor, keys: Tensor, values: Tensor?) throws {
    let ranks = [queries.rank, keys.rank] + (values.map { [$0.rank] } ?? [])
    guard queries.rank == 3 || queries.rank == 4, ranks.allSatisfy({ $0 == queries.rank }) else {
      let given =
        "queries \(queries.shape), keys \(keys.shape)" + (values.map { ", values \($0.shape)" } ?? "")
      throw AttentionError.shapeMismatch(
        "queries, keys and values must all be [B, L, D] or all [B, H, L, D]; got \(given)")
    }
    let rank = queries.rank
    leadingShape = Array(queries.shape.prefix(rank - 2))
    batch = queries.shape[0]
    heads = rank == 4 ? queries.shape[1] : 1
    queryCount = queries.shape[rank - 2]
    keyCount = keys.shape[rank - 2]
    depth = queries.shape[rank - 1]
    let axesName = rank == 4 ? "batch and head axes" : "batch axis"
    guard Array(keys.shape.prefix(rank - 2)) == leadingShape else {
      throw AttentionError.shapeMismatch(
        "queries \(queries.shape) and keys \(keys.shape) disagree on the \(axesName)")
    }
    guard keys.shape[rank - 1] == depth else {
      throw AttentionError.shapeMismatch(
        "queries \(queries.shape) and keys \(keys.shape) disagree on D (\(depth) vs \(keys.shape[rank - 1]))")
    }
    if let values {
      guard Array(values.shape.prefix(rank - 2)) == leadingShape else {
        throw AttentionError.shapeMismatch(
          "keys \(keys.shape) and values \(values.shape) disagree on the \(axesName)")
      }
      guard values.shape[rank - 2] == keyCount else {
        throw AttentionError.shapeMismatch(
          "keys \(keys.shape) and values \(values.shape) disagree on Lk "
            + "(\(keyCount) vs \(values.shape[rank - 2]))")
      }
      valueDepth = values.shape[rank - 1]
    } else {
      valueDepth = 0
    }
  }

  /// One valid length per row of the `[B·H, Lq, Lk]` scores, or `nil`.
  ///
  /// `validLengths` holds `B` lengths (repeated over heads and queries) or
  /// `B·Lq` (one per batch element and query, repeated over heads), each in
  /// `0...Lk`.
  func rowValidLengths(_ validLengths: [Int]?, context: String) throws -> [Int]? {
    guard let validLengths else { return nil }
    try ValidLengths.check(validLengths, batch: batch, queries: queryCount, keys: keyCount, for: context)
    let perBatch = validLengths.count == batch
    var rows: [Int] = []
    rows.reserveCapacity(matrixCount * queryCount)
    for b in 0..<batch {
      for _ in 0..<heads {
        for q in 0..<queryCount {
          rows.append(perBatch ? validLengths[b] : validLengths[b * queryCount + q])
        }
      }
    }
    return rows
  }
}
