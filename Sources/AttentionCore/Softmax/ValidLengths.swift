/// Checking and expanding the `validLengths` argument of masked attention.
enum ValidLengths {
  /// One valid length per row of a `[batch, queries, keys]` score tensor.
  ///
  /// - Parameters:
  ///   - validLengths: `nil`, `[batch]` (repeated over queries) or
  ///     `[batch · queries]`.
  ///   - context: names the tensor the lengths belong to, for the error.
  /// - Returns: `nil` when there is no mask, else `[batch · queries]`.
  static func perRow(
    _ validLengths: [Int]?, batch: Int, queries: Int, keys: Int, for context: String
  ) throws -> [Int]? {
    guard let validLengths else { return nil }
    try check(validLengths, batch: batch, queries: queries, keys: keys, for: context)
    if validLengths.count == batch {
      return validLengths.flatMap { repeatElement($0, count: queries) }
    }
    return validLengths
  }

  /// d2l's valid lengths and causal flag as an `AttentionMask`, the lengths
  /// checked first against `[batch, queries, keys]` scores, so that a bad
  /// count is named as d2l's layers name it, before any other work.
  static func mask(
    _ validLengths: [Int]?, causal: Bool, batch: Int, queries: Int, keys: Int, for context: String
  ) throws -> AttentionMask {
    if let validLengths {
      try check(validLengths, batch: batch, queries: queries, keys: keys, for: context)
    }
    return AttentionMask(validLengths: validLengths, causal: causal)
  }

  /// Throws unless there are `batch` lengths (one per batch element) or
  /// `batch · queries` (one per batch element and query), each in `0...keys`.
  ///
  /// - Parameters:
  ///   - context: names the tensor the lengths belong to, e.g. `keys [2, 5, 4]`.
  static func check(_ validLengths: [Int], batch: Int, queries: Int, keys: Int, for context: String) throws {
    let perQuery = batch * queries
    guard validLengths.count == batch || validLengths.count == perQuery else {
      let expected =
        perQuery == batch
        ? "\(batch) (one per batch element)"
        : "\(batch) (one per batch element) or \(perQuery) (one per batch element and query)"
      throw AttentionError.invalidValidLengths(
        "\(validLengths.count) valid lengths for \(context): expected \(expected)")
    }
    if let bad = validLengths.firstIndex(where: { $0 < 0 || $0 > keys }) {
      throw AttentionError.invalidValidLengths(
        "valid length \(validLengths[bad]) at index \(bad) is outside 0...\(keys) (Lk of \(context))")
    }
  }

  /// Whole-number lengths from a `[B]` or `[B, Lq]` tensor, as d2l passes them.
  static func integers(from validLengths: Tensor, scores: Tensor) throws -> [Int] {
    let context = "scores \(scores.shape)"
    guard validLengths.rank == 1 || validLengths.rank == 2 else {
      throw AttentionError.invalidValidLengths(
        "valid lengths \(validLengths.shape) for \(context) must be [B] or [B, Lq]")
    }
    if validLengths.rank == 2, scores.rank == 3, validLengths.shape != [scores.shape[0], scores.shape[1]] {
      throw AttentionError.invalidValidLengths(
        "valid lengths \(validLengths.shape) for \(context) must be [B, Lq] = \(Array(scores.shape.prefix(2)))"
      )
    }
    var lengths: [Int] = []
    lengths.reserveCapacity(validLengths.count)
    for (index, value) in validLengths.scalars.enumerated() {
      guard value.isFinite, value == value.rounded(), abs(value) < 0x1p30 else {
        throw AttentionError.invalidValidLengths(
          "valid length \(value) at index \(index) for \(context) is not a whole number")
      }
      lengths.append(Int(value))
    }
    return lengths
  }
}
