/// The UTF-8 rules that labels, byte input and the stream decoder share.
enum UTF8Sequences {
  /// The length of the well-formed UTF-8 sequence at `bytes[start]`, or
  /// `nil` if none starts there (a stray continuation byte, an overlong
  /// form, a surrogate, a value past U+10FFFF, or a sequence cut short).
  static func validLength(in bytes: [UInt8], at start: Int) -> Int? {
    guard start < bytes.count else { return nil }
    let lead = bytes[start]
    if lead < 0x80 { return 1 }
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: return nil
    }
    guard bytes.count - start >= length else { return nil }
    guard (low...high).contains(bytes[start + 1]) else { return nil }
    for index in start + 2..<start + length where !(0x80...0xBF).contains(bytes[index]) {
      return nil
    }
    return length
  }

  /// How many bytes at the end of `bytes` begin a character that more
  /// bytes could still complete (0 to 3).
  static func incompleteTailLength(of bytes: [UInt8]) -> Int {
    guard !bytes.isEmpty else { return 0 }
    for length in 1...min(3, bytes.count) {
      let start = bytes.count - length
      let lead = bytes[start]
      guard lead >= 0xC0 else { continue }
      let needed: Int
      switch lead {
      case 0xC2...0xDF: needed = 2
      case 0xE0...0xEF: needed = 3
      case 0xF0...0xF4: needed = 4
      default: return 0
      }
      guard needed > length else { return 0 }
      // A prefix that no continuation can make well-formed is not held back.
      for candidate: UInt8 in [0x80, 0x90, 0xA0] {
        let padded = Array(bytes[start...]) + [UInt8](repeating: candidate, count: needed - length)
        if validLength(in: padded, at: 0) == needed { return length }
      }
      return 0
    }
    return 0
  }
}
