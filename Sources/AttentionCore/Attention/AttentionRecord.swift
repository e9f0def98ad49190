/// What a run of scaled dot-product attention keeps so that any block of
/// its weights can be recomputed later, bit for bit, without the
/// `B·H·Lq·Lk` weights: the queries, the keys, the mask, and for each
/// query the kernel's final running maximum and 1 / sum (8 bytes a row).
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys, `D` query/key width.
///
/// Why these two numbers and not one log-sum-exp: the kernel writes a
/// weight as `exp2(s − m) · (1/l)` in float32, `s` the score in log2 units.
/// Given the same `m` and `1/l`, the same score arithmetic (the same
/// instruction set, the same order over `D`) gives the same bits; a single
/// `lse = m + log2 l` would round once more and change the last bit of
/// about half the weights.
///
/// ```swift
/// let (output, record) = try scaledDotProductAttentionRecorded(queries: q, keys: k, values: v, mask: .causal)
/// let block = try record.weights(head: 3, rows: 4000..<4064, columns: 0..<512)  // [64, 512]
/// ```
public struct AttentionRecord: Sendable {
  package let queries: Tensor
  let keys: Tensor
  let problem: ScaledDotProductKernel.Problem
  /// `[B·H·Lq]` each.
  package let rowMaximum: [Float]
  package let rowInverseSum: [Float]
  let instructionSet: KernelInstructionSet
  let keyBlock: Int

  public var batch: Int { problem.shapes.batch }
  public var heads: Int { problem.shapes.heads }
  public var queryCount: Int { problem.shapes.queryCount }
  public var keyCount: Int { problem.shapes.keyCount }

  /// The bytes of what the record keeps: queries, keys, row statistics and mask.
  public var byteCount: Int {
    let mask = problem.mask
    let maskBytes =
      4 * (mask.keyLimits?.count ?? 0) + 4 * (mask.bias?.elements.count ?? 0)
      + (mask.allowed?.elements.count ?? 0)
    return 4 * (queries.count + keys.count + rowMaximum.count + rowInverseSum.count) + maskBytes
  }

  /// The weights of queries `rows` over keys `columns` of one head:
  /// `[rows.count, columns.count]`, the very floats the run's weights
  /// (`scaledDotProductAttentionWithWeights`) hold there; 0 where a key is
  /// masked, and a query that sees no key has a row of zeros.
  ///
  /// - Parameters:
  ///   - batch: from 0; `head` likewise (0 for 3-D inputs).
  ///   - rows: query positions, from 0, end excluded; `columns` key positions.
  /// - Throws: `AttentionError` for a position outside the run.
  public func weights(batch: Int = 0, head: Int = 0, rows: Range<Int>, columns: Range<Int>) throws -> Tensor {
    let shapes = problem.shapes
    guard (0..<shapes.batch).contains(batch), (0..<shapes.heads).contains(head) else {
      throw AttentionError.invalidArgument(
        "batch \(batch), head \(head) is outside the run's \(shapes.batch) × \(shapes.heads)")
    }
    guard rows.lowerBound >= 0, rows.upperBound <= shapes.queryCount, columns.lowerBound >= 0,
      columns.upperBound <= shapes.keyCount
    else {
      throw AttentionError.invalidArgument(
        "rows \(rows.lowerBound)..<\(rows.upperBound) and columns \(columns.lowerBound)..<\(columns.upperBound) "
          + "reach past the run's \(shapes.queryCount) queries and \(shapes.keyCount) keys")
    }
    let count = rows.count * columns.count
    let scalars = [Float](unsafeUninitializedCapacity: count) { block, initialized in
      guard count > 0 else {
        initialized = 0
        return
      }
      queries.scalars.withUnsafeBufferPointer { queries in
        keys.scalars.withUnsafeBufferPointer { keys in
          rowMaximum.withUnsafeBufferPointer { rowMaximum in
            rowInverseSum.withUnsafeBufferPointer { rowInverseSum in
              ScaledDotProductKernel.weightsBlock(
                problem, queries: queries, keys: keys, rowMaximum: rowMaximum, rowInverseSum: rowInverseSum,
                matrix: batch * shapes.heads + head, queryRange: rows, keyRange: columns,
                block: UnsafeMutableBufferPointer(rebasing: block[0..<count]), instructionSet: instructionSet,
                keyBlock: keyBlock)
            }
          }
        }
      }
      initialized = count
    }
    return Tensor(shape: [rows.count, columns.count], scalars: scalars)
  }
}

/// `scaledDotProductAttention` that keeps an `AttentionRecord` instead of
/// the weights: 8 bytes a query beside the queries and keys, from which
/// any block of the weights is recomputed exactly.
///
/// - Returns: the output, as `scaledDotProductAttentionWithWeights` gives
///   it, bit for bit (the kernel pools the normalised weights as it does
///   when it writes them, so a model's later layers read the same numbers
///   as in a run that keeps the weights), and the record.
/// - Throws: as `scaledDotProductAttention(queries:keys:values:mask:scale:)`.
public func scaledDotProductAttentionRecorded(
  queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask = .none, scale: Float? = nil
) throws -> (output: Tensor, record: AttentionRecord) {
  try scaledDotProductAttentionRecorded(
    queries: queries, keys: keys, values: values, mask: mask, scale: scale, instructionSet: .detected,
    threadCount: nil, keyBlock: ScaledDotProductKernel.defaultKeyBlock)
}

/// `scaledDotProductAttentionRecorded` with the kernel's choices made by the caller, for tests.
func scaledDotProductAttentionRecorded(
  queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask, scale: Float?,
  instructionSet: KernelInstructionSet, threadCount: Int?, keyBlock: Int
) throws -> (output: Tensor, record: AttentionRecord) {
  let problem = try ScaledDotProductKernel.Problem(
    queries: queries, keys: keys, values: values, mask: mask, scale: scale)
  let shapes = problem.shapes
  let rowCount = shapes.matrixCount * shapes.queryCount
  var rowMaximum = [Float](repeating: 0, count: rowCount)
  var rowInverseSum = [Float](repeating: 0, count: rowCount)
  let outputCount = shapes.matrixCount * shapes.queryCount * shapes.valueDepth
  let output = [Float](unsafeUninitializedCapacity: outputCount) { output, initialized in
    queries.scalars.withUnsafeBufferPointer { queries in
      keys.scalars.withUnsafeBufferPointer { keys in
        values.scalars.withUnsafeBufferPointer { values in
          rowMaximum.withUnsafeMutableBufferPointer { maximum in
            rowInverseSum.withUnsafeMutableBufferPointer { inverseSum in
              ScaledDotProductKernel.run(
                problem, queries: queries, keys: keys, values: values, output: output, weights: nil,
                instructionSet: instructionSet, threadCount: threadCount, keyBlock: keyBlock,
                rowStatistics: .init(maximum: maximum, inverseSum: inverseSum))
            }
          }
        }
      }
    }
    initialized = outputCount
  }
  let record = AttentionRecord(
    queries: queries, keys: keys, problem: problem, rowMaximum: rowMaximum, rowInverseSum: rowInverseSum,
    instructionSet: instructionSet, keyBlock: keyBlock)
  return (
    Tensor(shape: shapes.leadingShape + [shapes.queryCount, shapes.valueDepth], scalars: output), record
  )
}

extension AttentionRecord {
  /// How an overview combines the weights of a cell.
  public enum Pooling: String, Sendable, CaseIterable {
    /// The mean: the weight the cell's queries give its keys on average.
    case mean
    /// The largest: a sharp diagonal or a sink column stays visible however far the map shrinks.
    case max
  }

  /// One head's map shrunk to at most `size` × `size` cells, for a glance at
  /// a long run: `[n, m]` with `n = min(size, rows.count)` and
  /// `m = min(size, columns.count)`. Cell `(i, j)` pools the queries and
  /// keys of bins `i` and `j` (`binStarts`); masked weights count as the 0
  /// they are. The weights are recomputed 64 queries at a time, so no more
  /// than `64 · columns.count` of them are held at once.
  ///
  /// - Parameters:
  ///   - rows: the query positions to pool, from 0, end excluded; all by
  ///     default. `columns` likewise for the keys.
  /// - Throws: `AttentionError` for a head or range outside the run, or a size below 1.
  public func overview(
    batch: Int = 0, head: Int = 0, rows: Range<Int>? = nil, columns: Range<Int>? = nil, size: Int,
    pooling: Pooling = .mean
  ) throws -> Tensor {
    let columns = columns ?? 0..<keyCount
    return try Self.pool(rows: rows ?? 0..<queryCount, columns: columns, size: size, pooling: pooling) {
      try weights(batch: batch, head: head, rows: $0, columns: columns)
    }
  }

  /// Where the `cells` bins of `range` start, and the end: bin `i` holds
  /// positions `starts[i] ..< starts[i + 1]`, `starts[i] = lower + ⌊i · count / cells⌋`.
  public static func binStarts(of range: Range<Int>, cells: Int) -> [Int] {
    (0...cells).map { range.lowerBound + $0 * range.count / cells }
  }

  /// A map's block `rows` × `columns` pooled into at most `size` × `size`
  /// cells (see `overview`), reading the weights through `weights`, which
  /// gives `[r.count, columns.count]` for a range `r` of at most 64 rows.
  public static func pool(
    rows: Range<Int>, columns: Range<Int>, size: Int, pooling: Pooling,
    weights: (Range<Int>) throws -> Tensor
  ) throws -> Tensor {
    try pool(rows: rows, columns: columns, rowCells: size, columnCells: size, pooling: pooling, weights: weights)
  }

  /// `pool(rows:columns:size:pooling:weights:)` with at most `rowCells`
  /// rows and `columnCells` columns of cells.
  public static func pool(
    rows: Range<Int>, columns: Range<Int>, rowCells: Int, columnCells: Int, pooling: Pooling,
    weights: (Range<Int>) throws -> Tensor
  ) throws -> Tensor {
    guard rowCells >= 1, columnCells >= 1 else {
      throw AttentionError.invalidArgument(
        "an overview has at least 1 cell a side, not \(rowCells) × \(columnCells)")
    }
    guard !rows.isEmpty, !columns.isEmpty else {
      throw AttentionError.invalidArgument(
        "an overview of rows \(rows.lowerBound)..<\(rows.upperBound) and columns "
          + "\(columns.lowerBound)..<\(columns.upperBound) has nothing to pool")
    }
    let (rowCells, columnCells) = (min(rowCells, rows.count), min(columnCells, columns.count))
    let columnStarts = binStarts(of: 0..<columns.count, cells: columnCells)
    let rowStarts = binStarts(of: rows, cells: rowCells)
    let width = columns.count
    var pooled = [Double](repeating: pooling == .max ? -.infinity : 0, count: rowCells * columnCells)
    var row = 0
    let blockRows = 64
    for first in stride(from: rows.lowerBound, to: rows.upperBound, by: blockRows) {
      let last = min(first + blockRows, rows.upperBound)
      let block = try weights(first..<last)
      precondition(block.count == (last - first) * width, "a block of \(block.shape) for \(last - first) × \(width)")
      block.scalars.withUnsafeBufferPointer { weights in
        pooled.withUnsafeMutableBufferPointer { pooled in
          for query in first..<last {
            while query >= rowStarts[row + 1] { row += 1 }
            let line = weights.baseAddress! + (query - first) * width
            let cells = pooled.baseAddress! + row * columnCells
            // Each bin's keys are contiguous: one pass over them, the
            // largest found in Float (exact), a sum in Double.
            for bin in 0..<columnCells {
              let keys = columnStarts[bin]..<columnStarts[bin + 1]
              switch pooling {
              case .mean:
                var sum = 0.0
                for key in keys { sum += Double(line[key]) }
                cells[bin] += sum
              case .max:
                var largest = line[keys.lowerBound]
                for key in keys.dropFirst() { largest = Swift.max(largest, line[key]) }
                cells[bin] = Swift.max(cells[bin], Double(largest))
              }
            }
          }
        }
      }
    }
    if pooling == .mean {
      for i in 0..<rowCells {
        for j in 0..<columnCells {
          pooled[i * columnCells + j] /= Double(
            (rowStarts[i + 1] - rowStarts[i]) * (columnStarts[j + 1] - columnStarts[j]))
        }
      }
    }
    return Tensor(shape: [rowCells, columnCells], scalars: pooled.map { Float($0) })
  }
}

extension AttentionRecord {
  /// A record put together from rows of several runs over one sequence of
  /// keys, as a decoder reads a prompt and then one written token at a
  /// time: `queries` `[1, R, D]` with each row's statistics from the run
  /// that read it on this kernel, `keys` `[1, Lk, D]` (those runs' keys are
  /// prefixes of it), and row `r` seeing keys `0..<keyLimits[r]`. Its blocks
  /// are those runs' weights bit for bit: a weight depends only on its
  /// row's query, statistics and keys, never on the other rows of its run.
  package init(
    queries: Tensor, keys: Tensor, keyLimits: [Int], scale: Float, rowMaximum: [Float], rowInverseSum: [Float]
  ) throws {
    problem = try ScaledDotProductKernel.Problem(
      queries: queries, keys: keys, values: keys, mask: .validLengths(keyLimits), scale: scale)
    precondition(rowMaximum.count == problem.shapes.queryCount && rowInverseSum.count == rowMaximum.count)
    self.queries = queries
    self.keys = keys
    self.rowMaximum = rowMaximum
    self.rowInverseSum = rowInverseSum
    instructionSet = .detected
    keyBlock = ScaledDotProductKernel.defaultKeyBlock
  }
}
