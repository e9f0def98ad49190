/// BPE's model step: the bytes of one piece, spelled with the fewest
/// merges of the lowest ranks.
///
/// Each byte starts as its own token; then, while some adjacent pair has a
/// merge, the pair of lowest rank (leftmost among equals) becomes the
/// merge's token. A heap keeps this O(n log n) in the piece's length, as in
/// Hugging Face's `BPE::merge_word`, so that a long run of one character
/// cannot make it quadratic.
struct BytePairMerges: Sendable {
  /// The merge of each pair of token ids, keyed by `left << 32 | right`.
  private let merges: [UInt64: (rank: Int32, id: Int32)]
  /// The token of each byte, or -1 if the vocabulary has none.
  let byteTokens: [Int32]

  init(merges: [UInt64: (rank: Int32, id: Int32)], byteTokens: [Int32]) {
    precondition(byteTokens.count == 256)
    self.merges = merges
    self.byteTokens = byteTokens
  }

  static func key(_ left: Int, _ right: Int) -> UInt64 {
    UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
  }

  /// Appends the token ids of `bytes` to `ids`; a byte with no token is
  /// left out, or is `unknownID` when there is one.
  func appendTokens(of bytes: [UInt8], unknownID: Int?, to ids: inout [Int]) {
    var symbols: [Int32] = []
    symbols.reserveCapacity(bytes.count)
    for byte in bytes {
      let id = byteTokens[Int(byte)]
      if id >= 0 {
        symbols.append(id)
      } else if let unknownID {
        symbols.append(Int32(unknownID))
      }
    }
    switch symbols.count {
    case 0: return
    case 1:
      ids.append(Int(symbols[0]))
      return
    case 2:
      if let merge = merges[BytePairMerges.key(Int(symbols[0]), Int(symbols[1]))] {
        ids.append(Int(merge.id))
      } else {
        ids.append(Int(symbols[0]))
        ids.append(Int(symbols[1]))
      }
      return
    default:
      break
    }
    // A doubly linked list of symbols, in place: a merged right symbol is
    // marked -1 and unlinked.
    var previous = [Int32](unsafeUninitializedCapacity: symbols.count) { buffer, count in
      for index in 0..<symbols.count { buffer[index] = Int32(index - 1) }
      count = symbols.count
    }
    var next = [Int32](unsafeUninitializedCapacity: symbols.count) { buffer, count in
      for index in 0..<symbols.count { buffer[index] = index + 1 < symbols.count ? Int32(index + 1) : -1 }
      count = symbols.count
    }
    // Heap entries: rank << 32 | left position, so the lowest rank comes
    // first and, among equals, the leftmost.
    var heap = MinHeap()
    for left in 0..<symbols.count - 1 {
      if let merge = merges[BytePairMerges.key(Int(symbols[left]), Int(symbols[left + 1]))] {
        heap.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(left))
      }
    }
    while let entry = heap.pop() {
      let rank = Int32(truncatingIfNeeded: entry >> 32)
      let left = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF)
      guard symbols[left] >= 0 else { continue }
      let right = Int(next[left])
      guard right >= 0,
        let merge = merges[BytePairMerges.key(Int(symbols[left]), Int(symbols[right]))], merge.rank == rank
      else { continue }
      symbols[left] = merge.id
      symbols[right] = -1
      let after = next[right]
      next[left] = after
      if after >= 0 { previous[Int(after)] = Int32(left) }
      let before = Int(previous[left])
      if before >= 0, let merge = merges[BytePairMerges.key(Int(symbols[before]), Int(symbols[left]))] {
        heap.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(before))
      }
      if after >= 0, let merge = merges[BytePairMerges.key(Int(symbols[left]), Int(symbols[Int(after)]))] {
        heap.push(UInt64(UInt32(merge.rank)) << 32 | UInt64(left))
      }
    }
    var index = 0
    while index >= 0 {
      ids.append(Int(symbols[index]))
      index = Int(next[index])
    }
  }
}

/// A binary min-heap of packed keys.
private struct MinHeap {
  private var items: [UInt64] = []

  mutating func push(_ item: UInt64) {
    items.append(item)
    var child = items.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard items[child] < items[parent] else { break }
      items.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> UInt64? {
    guard let first = items.first else { return nil }
    let last = items.removeLast()
    guard !items.isEmpty else { return first }
    items[0] = last
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < items.count else { break }
      let right = left + 1
      let smaller = right < items.count && items[right] < items[left] ? right : left
      guard items[smaller] < items[parent] else { break }
      items.swapAt(parent, smaller)
      parent = smaller
    }
    return first
  }
}
