extension Array where Element == UInt8 {
  /// The unsigned little-endian integer of `byteCount` bytes at `offset`.
  ///
  /// - Precondition: `offset + byteCount <= count`.
  func littleEndian(at offset: Int, byteCount: Int) -> Int {
    precondition(offset >= 0 && offset + byteCount <= count && byteCount <= 8)
    var value: UInt64 = 0
    for index in (0..<byteCount).reversed() {
      value = value << 8 | UInt64(self[offset + index])
    }
    // Eight-byte ZIP64 fields above Int.max are clamped; every size check rejects them afterwards.
    return value > UInt64(Int.max) ? Int.max : Int(value)
  }

  func uint16(at offset: Int) -> Int { littleEndian(at: offset, byteCount: 2) }
  func uint32(at offset: Int) -> Int { littleEndian(at: offset, byteCount: 4) }
  func uint64(at offset: Int) -> Int { littleEndian(at: offset, byteCount: 8) }

  mutating func appendLittleEndian(_ value: Int, byteCount: Int) {
    for index in 0..<byteCount {
      append(UInt8(truncatingIfNeeded: value >> (8 * index)))
    }
  }
}
