import AttentionCore
import TensorIO

#if canImport(Glibc)
  import Glibc
#endif

/// What a decoder keeps between the tokens of one run: the keys and values
/// of every layer (the KV cache), and the attention rows recorded so far.
///
/// Legend: `N` layers, `H` query heads, `K` key/value heads, `d` head
/// width, `C` capacity in tokens, `L` tokens read so far.
struct DecoderState {
  /// `C`.
  let capacity: Int
  /// `L`.
  private(set) var length = 0
  /// Per layer `[K, C, d]`, positions past `L` unwritten.
  var keys: [[Float]]
  var values: [[Float]]
  /// `[N, H, C, C]` when recording: row `i` of a map is token `i`'s
  /// attention over tokens `0...i`, zero to the right. Rows of tokens not
  /// read yet are unwritten: whoever records a row writes all `C` of it.
  var attention: [Float]
  let recordsAttention: Bool
  /// Whether each layer keeps what an `AttentionRecord` needs per key/value
  /// head (its query heads stacked as rows) instead of the weights: a long run.
  let keepsRecords: Bool
  /// Per layer, per key/value head, when `keepsRecords`: each pass's rows.
  var passes: [[[RecordedPass]]]
  /// `[N, H, C]` when `keepsRecords`: the row of the last token read, over
  /// the tokens read so far (what a written token attended to).
  var lastRow: [Float]
  /// Per layer, the heads whose context is zeroed before the output
  /// projection (`HeadAblation`); empty for the model as it is.
  var ablatedHeads: [[Int]]
  private let layerCount: Int
  private let headCount: Int

  init(sizes: DecoderSizes, capacity: Int, recordsAttention: Bool, keepsRecords: Bool = false) {
    precondition(!(recordsAttention && keepsRecords), "a run keeps either the weights or the records")
    self.keepsRecords = keepsRecords
    passes = Array(
      repeating: Array(repeating: [], count: keepsRecords ? sizes.keyValueHeadCount : 0), count: sizes.layerCount)
    lastRow = [Float](repeating: 0, count: keepsRecords ? sizes.layerCount * sizes.headCount * capacity : 0)
    self.capacity = capacity
    let cache = sizes.keyValueHeadCount * capacity * sizes.headSize
    keys = Array(repeating: [Float](repeating: 0, count: cache), count: sizes.layerCount)
    values = keys
    layerCount = sizes.layerCount
    headCount = sizes.headCount
    self.recordsAttention = recordsAttention
    ablatedHeads = Array(repeating: [], count: sizes.layerCount)
    attention = recordsAttention ? Self.unwritten(count: sizes.layerCount * sizes.headCount * capacity * capacity) : []
  }

  /// `count` floats left as the allocator gives them, so that a long run's
  /// maps (283 MB for SmolLM2 at 512 tokens) are not written twice; the
  /// pages are faulted in by the rows' own writes, as huge pages where the
  /// kernel offers them for the asking.
  private static func unwritten(count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      #if canImport(Glibc)
        advisePages(inside: UnsafeRawBufferPointer(buffer), pageSize: 2 << 20, advice: Int32(MADV_HUGEPAGE))
      #endif
      initialized = count
    }
  }

  /// Zeroes the recorded rows of `layer`'s `heads` at `positions` past
  /// their own token (columns `i + 1 ..< C` of row `i`), once the kernels
  /// have written columns `0...i`.
  mutating func zeroPastDiagonal(layer: Int, heads: Range<Int>, positions: Range<Int>) {
    let (capacity, headCount) = (self.capacity, self.headCount)
    precondition(recordsAttention && positions.upperBound <= capacity && heads.upperBound <= headCount)
    attention.withUnsafeMutableBufferPointer { attention in
      for head in heads {
        for row in positions {
          let start = ((layer * headCount + head) * capacity + row) * capacity + row + 1
          (attention.baseAddress! + start).update(repeating: 0, count: capacity - row - 1)
        }
      }
    }
  }

  mutating func advance(by count: Int) {
    precondition(length + count <= capacity, "\(length) + \(count) tokens exceed the capacity \(capacity)")
    length += count
  }

  /// `[N, H, L]`: the recorded row of the last token read, over all `L`.
  func lastRecordedRow() -> Tensor {
    let count = length
    if keepsRecords {
      var scalars = [Float](repeating: 0, count: layerCount * headCount * count)
      for map in 0..<(layerCount * headCount) {
        scalars.replaceSubrange((map * count)..<((map + 1) * count), with: lastRow[(map * capacity)..<(map * capacity + count)])
      }
      return Tensor(shape: [layerCount, headCount, count], scalars: scalars)
    }
    precondition(recordsAttention && count > 0, "no row is recorded")
    var scalars = [Float](repeating: 0, count: layerCount * headCount * count)
    for map in 0..<(layerCount * headCount) {
      let source = (map * capacity + count - 1) * capacity
      for column in 0..<count { scalars[map * count + column] = attention[source + column] }
    }
    return Tensor(shape: [layerCount, headCount, count], scalars: scalars)
  }

  /// `[N, H, L, L]`: the recorded rows of the `L` tokens read.
  func recordedAttention() -> Tensor {
    let count = length
    guard count < capacity else { return Tensor(shape: [layerCount, headCount, count, count], scalars: attention) }
    var scalars = [Float](repeating: 0, count: layerCount * headCount * count * count)
    for map in 0..<(layerCount * headCount) {
      for row in 0..<count {
        let source = (map * capacity + row) * capacity
        let target = (map * count + row) * count
        for column in 0...row { scalars[target + column] = attention[source + column] }
      }
    }
    return Tensor(shape: [layerCount, headCount, count, count], scalars: scalars)
  }

  /// `[N, K, L, d]`: the cached value vectors of the `L` tokens read, for
  /// the lenses that weigh what a head moves (`HeadValues`).
  func cachedValues(keyValueHeads: Int, headSize: Int) -> Tensor {
    let count = length
    var scalars = [Float](repeating: 0, count: values.count * keyValueHeads * count * headSize)
    for (layer, cache) in values.enumerated() {
      for head in 0..<keyValueHeads {
        let source = head * capacity * headSize
        let target = (layer * keyValueHeads + head) * count * headSize
        scalars.replaceSubrange(target..<target + count * headSize, with: cache[source..<source + count * headSize])
      }
    }
    return Tensor(shape: [values.count, keyValueHeads, count, headSize], scalars: scalars)
  }
}

/// The rows one pass of `T` tokens added to the attention of one key/value
/// head: its `G` query heads' queries, member by member, and each row's
/// final maximum and 1 / sum from the flash kernel.
struct RecordedPass: Sendable {
  /// The position of the pass's first token.
  let start: Int
  /// `T`.
  let count: Int
  /// `[G·T, d]`.
  let queries: [Float]
  /// `[G·T]` each.
  let rowMaximum: [Float]
  let rowInverseSum: [Float]
}

extension DecoderState {
  /// What the passes kept, as one record per layer and key/value head over
  /// all `L` tokens read: the rows of its query heads member by member,
  /// each seeing the keys up to its own token, over the cache's keys.
  func recording(tokens: [String], sizes: DecoderSizes) throws -> AttentionRecording {
    precondition(keepsRecords && tokens.count == length, "\(tokens.count) labels for \(length) tokens read")
    let (group, headSize, count) = (sizes.groupSize, sizes.headSize, length)
    let scale = 1 / Float(headSize).squareRoot()
    var records: [[AttentionRecord]] = []
    for layer in 0..<sizes.layerCount {
      var layerRecords: [AttentionRecord] = []
      for kvHead in 0..<sizes.keyValueHeadCount {
        var queries: [Float] = []
        var maximum: [Float] = []
        var inverseSum: [Float] = []
        var limits: [Int] = []
        queries.reserveCapacity(group * count * headSize)
        for member in 0..<group {
          for pass in passes[layer][kvHead] {
            let rows = (member * pass.count)..<((member + 1) * pass.count)
            queries += pass.queries[(rows.lowerBound * headSize)..<(rows.upperBound * headSize)]
            maximum += pass.rowMaximum[rows]
            inverseSum += pass.rowInverseSum[rows]
            limits += (pass.start + 1)...(pass.start + pass.count)
          }
        }
        let cache = kvHead * capacity * headSize
        layerRecords.append(
          try AttentionRecord(
            queries: Tensor(shape: [1, group * count, headSize], scalars: queries),
            keys: Tensor(shape: [1, count, headSize], scalars: Array(keys[layer][cache..<(cache + count * headSize)])),
            keyLimits: limits, scale: scale, rowMaximum: maximum, rowInverseSum: inverseSum))
      }
      records.append(layerRecords)
    }
    let heads = (0..<sizes.layerCount).map { _ in
      (0..<sizes.headCount).map {
        AttentionRecording.HeadSource(record: $0 / group, head: 0, firstRow: ($0 % group) * count)
      }
    }
    return AttentionRecording(tokens: tokens, kind: .causal, records: records, heads: heads)
  }
}
