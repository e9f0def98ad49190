import AttentionCore

/// A model's run on a long text kept in `O(L·d)` per layer, not `O(L²)`:
/// for each head, what the attention kernel needs to recompute any block of
/// its weights exactly (`AttentionRecord`: the queries, the keys, and each
/// query's final maximum and 1 / sum). SmolLM2's 30 × 9 heads over 8,192
/// tokens keep about 0.8 GB this way; their weights would take 72 GB.
///
/// Legend: `N` layers, `H` heads, `L` tokens. Layers, heads and positions
/// count from 0 here; figures and the server show layers and heads from 1.
///
/// ```swift
/// let recording = try model.record(try model.tokenize(longText))
/// let block = try recording.weights(layer: 4, head: 2, rows: 8000..<8064, columns: 0..<256)  // [64, 256]
/// let glance = try recording.overview(layer: 4, head: 2, size: 128, pooling: .max)           // [128, 128]
/// ```
public struct AttentionRecording: Sendable {
  /// `L` token labels, in the model's spelling.
  public let tokens: [String]
  /// Whether the maps are full or lower-triangular.
  public let kind: AttentionKind
  /// `N`.
  public let layerCount: Int
  /// `H`.
  public let headCount: Int
  private let sources: Sources

  /// Where a head's weights come from.
  enum Sources: Sendable {
    /// Per layer, its records; and per layer, per head, which of them
    /// holds its rows, the head within it, and the record's row of the
    /// head's first query (a decoder stacks the query heads that share a
    /// key head as rows of one record).
    case records([[AttentionRecord]], heads: [[HeadSource]])
    /// `[N, H, L, L]`, for a family that keeps its weights.
    case weights(Tensor)
  }

  struct HeadSource: Sendable {
    let record: Int
    let head: Int
    let firstRow: Int
  }

  /// A run that keeps records: `records[layer]`, and `heads[layer][head]` for `N × H` heads.
  init(tokens: [String], kind: AttentionKind, records: [[AttentionRecord]], heads: [[HeadSource]]) {
    precondition(
      !heads.isEmpty && records.count == heads.count && heads.allSatisfy { $0.count == heads[0].count },
      "a layer without its heads")
    self.tokens = tokens
    self.kind = kind
    layerCount = heads.count
    headCount = heads[0].count
    sources = .records(records, heads: heads)
  }

  /// A run whose weights are all kept, `[N, H, L, L]`: what a family that
  /// records nothing answers, through the same calls.
  public init(_ attention: ModelAttention) {
    tokens = attention.tokens
    kind = attention.kind
    layerCount = attention.layerCount
    headCount = attention.headCount
    sources = .weights(attention.attentions)
  }

  /// `L`.
  public var tokenCount: Int { tokens.count }

  /// Whether the run keeps records (`O(L·d)`) rather than the weights (`O(L²)`).
  public var keepsRecords: Bool {
    if case .records = sources { return true }
    return false
  }

  /// The bytes the run keeps: queries, keys, row statistics and masks (or
  /// the weights), and its labels at their UTF-8 length and 16 bytes each.
  public var byteCount: Int {
    let labels = tokens.reduce(0) { $0 + $1.utf8.count + 16 }
    switch sources {
    case .weights(let weights): return 4 * weights.count + labels
    case .records(let records, _): return records.joined().reduce(0) { $0 + $1.byteCount } + labels
    }
  }

  /// The weights of head `head` of layer `layer` from queries `rows` over keys
  /// `columns`: `[rows.count, columns.count]`, the floats a full run's
  /// `[N, H, L, L]` hold there (0 past a causal map's diagonal).
  ///
  /// - Throws: `LensError` for a layer, head or position outside the run.
  public func weights(layer: Int, head: Int, rows: Range<Int>, columns: Range<Int>) throws -> Tensor {
    try check(layer: layer, head: head, rows: rows, columns: columns)
    switch sources {
    case .records(let records, let heads):
      let source = heads[layer][head]
      let record = records[layer][source.record]
      let shifted = (rows.lowerBound + source.firstRow)..<(rows.upperBound + source.firstRow)
      // A causal map is 0 past its diagonal: the keys no row sees are not
      // recomputed (half of a whole map's work), only filled with 0.
      let seen = kind == .causal ? min(columns.upperBound, rows.upperBound) : columns.upperBound
      guard seen < columns.upperBound, !rows.isEmpty else {
        return try record.weights(head: source.head, rows: shifted, columns: columns)
      }
      guard seen > columns.lowerBound else {
        return Tensor(shape: [rows.count, columns.count], scalars: [Float](repeating: 0, count: rows.count * columns.count))
      }
      let part = try record.weights(head: source.head, rows: shifted, columns: columns.lowerBound..<seen)
      let (width, partWidth) = (columns.count, seen - columns.lowerBound)
      var block = [Float](repeating: 0, count: rows.count * width)
      for row in 0..<rows.count {
        block.replaceSubrange(
          (row * width)..<(row * width + partWidth), with: part.scalars[(row * partWidth)..<((row + 1) * partWidth)])
      }
      return Tensor(shape: [rows.count, width], scalars: block)
    case .weights(let weights):
      let count = tokens.count
      let map = (layer * headCount + head) * count * count
      var block = [Float](repeating: 0, count: rows.count * columns.count)
      for (index, row) in rows.enumerated() {
        let start = map + row * count
        block.replaceSubrange(
          (index * columns.count)..<((index + 1) * columns.count),
          with: weights.scalars[(start + columns.lowerBound)..<(start + columns.upperBound)])
      }
      return Tensor(shape: [rows.count, columns.count], scalars: block)
    }
  }

  /// Head `head` of layer `layer` over `rows` × `columns` (all by default)
  /// shrunk to at most `size` × `size` cells, mean or max pooled; the
  /// positions of each cell are `AttentionRecord.binStarts(of:cells:)`.
  ///
  /// - Throws: `LensError` for a layer, head or range outside the run, or a size below 1.
  public func overview(
    layer: Int, head: Int, rows: Range<Int>? = nil, columns: Range<Int>? = nil, size: Int,
    pooling: AttentionRecord.Pooling = .mean
  ) throws -> Tensor {
    try overview(
      layer: layer, head: head, rows: rows, columns: columns, rowCells: size, columnCells: size, pooling: pooling)
  }

  /// `overview(layer:head:rows:columns:size:pooling:)` with at most
  /// `rowCells` rows and `columnCells` columns of cells.
  public func overview(
    layer: Int, head: Int, rows: Range<Int>? = nil, columns: Range<Int>? = nil, rowCells: Int, columnCells: Int,
    pooling: AttentionRecord.Pooling = .mean
  ) throws -> Tensor {
    let (rows, columns) = (rows ?? 0..<tokens.count, columns ?? 0..<tokens.count)
    try check(layer: layer, head: head, rows: rows, columns: columns)
    guard rowCells >= 1, columnCells >= 1, !rows.isEmpty, !columns.isEmpty else {
      throw LensError("an overview needs rows, columns and at least 1 cell a side")
    }
    return try AttentionRecord.pool(
      rows: rows, columns: columns, rowCells: rowCells, columnCells: columnCells, pooling: pooling
    ) { try weights(layer: layer, head: head, rows: $0, columns: columns) }
  }

  private func check(layer: Int, head: Int, rows: Range<Int>, columns: Range<Int>) throws(LensError) {
    guard (0..<layerCount).contains(layer), (0..<headCount).contains(head) else {
      throw LensError(
        "head \(layer + 1).\(head + 1) is outside the run, which has layers 1-\(layerCount) and heads 1-\(headCount)")
    }
    let count = tokens.count
    guard rows.lowerBound >= 0, rows.upperBound <= count, columns.lowerBound >= 0, columns.upperBound <= count
    else {
      throw LensError(
        "rows \(rows.lowerBound):\(rows.upperBound) and columns \(columns.lowerBound):\(columns.upperBound) "
          + "reach past the run's \(count) tokens")
    }
  }
}
