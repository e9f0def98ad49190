import AttentionCore

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
  /// attention over tokens `0...i`, zero to the right.
  var attention: [Float]
  let recordsAttention: Bool
  private let layerCount: Int
  private let headCount: Int

  init(sizes: DecoderSizes, capacity: Int, recordsAttention: Bool) {
    self.capacity = capacity
    let cache = sizes.keyValueHeadCount * capacity * sizes.headSize
    keys = Array(repeating: [Float](repeating: 0, count: cache), count: sizes.layerCount)
    values = keys
    layerCount = sizes.layerCount
    headCount = sizes.headCount
    self.recordsAttention = recordsAttention
    attention =
      recordsAttention ? [Float](repeating: 0, count: sizes.layerCount * sizes.headCount * capacity * capacity) : []
  }

  mutating func advance(by count: Int) {
    precondition(length + count <= capacity, "\(length) + \(count) tokens exceed the capacity \(capacity)")
    length += count
  }

  /// `[N, H, L]`: the recorded row of the last token read, over all `L`.
  func lastRecordedRow() -> Tensor {
    let count = length
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
}
