/// A strict parser for the Python dict literal in a `.npy` header.
///
/// It accepts exactly the shape NumPy writes — the keys `descr`,
/// `fortran_order` and `shape`, each once, with a type string, `True` or
/// `False`, and a tuple of non-negative integers — followed only by spaces
/// and newlines up to the stated header length. Nothing is evaluated.
struct HeaderDictionaryParser {
  struct Fields {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]
  }

  let bytes: [UInt8]
  var position: Int

  mutating func parseDictionary() throws(Problem) -> Fields {
    var descr: String?
    var fortranOrder: Bool?
    var shape: [Int]?
    try expect("{")
    while true {
      skipSpaces()
      if peek() == UInt8(ascii: "}") {
        position += 1
        break
      }
      let key = try parseString(what: "a key")
      skipSpaces()
      try expect(":")
      skipSpaces()
      switch key {
      case "descr":
        guard descr == nil else { throw duplicate(key) }
        if peek() == UInt8(ascii: "[") {
          throw Problem("structured dtypes are not supported (header descr is a list)")
        }
        descr = try parseString(what: "the dtype string")
      case "fortran_order":
        guard fortranOrder == nil else { throw duplicate(key) }
        fortranOrder = try parseBool()
      case "shape":
        guard shape == nil else { throw duplicate(key) }
        shape = try parseShape()
      default:
        throw Problem("malformed header: unexpected key '\(key)'")
      }
      skipSpaces()
      if peek() == UInt8(ascii: ",") {
        position += 1
      } else if peek() != UInt8(ascii: "}") {
        throw unexpected("',' or '}'")
      }
    }
    while peek() == UInt8(ascii: " ") || peek() == UInt8(ascii: "\n") { position += 1 }
    guard position == bytes.count else {
      throw Problem(
        "malformed header: \(bytes.count - position) bytes after the padding (the header length is wrong)")
    }
    guard let descr else { throw Problem("malformed header: no 'descr'") }
    guard let fortranOrder else { throw Problem("malformed header: no 'fortran_order'") }
    guard let shape else { throw Problem("malformed header: no 'shape'") }
    return Fields(descr: descr, fortranOrder: fortranOrder, shape: shape)
  }

  private func peek() -> UInt8? {
    position < bytes.count ? bytes[position] : nil
  }

  private mutating func skipSpaces() {
    while peek() == UInt8(ascii: " ") { position += 1 }
  }

  private mutating func expect(_ character: Unicode.Scalar) throws(Problem) {
    guard peek() == UInt8(ascii: character) else { throw unexpected("'\(character)'") }
    position += 1
  }

  /// A quoted string of printable ASCII without escapes, which is all NumPy ever writes here.
  private mutating func parseString(what: String) throws(Problem) -> String {
    guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
      throw unexpected(what)
    }
    position += 1
    let start = position
    while let byte = peek(), byte != quote {
      guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { throw unexpected("a plain string") }
      position += 1
    }
    guard peek() == quote else { throw Problem("malformed header: unterminated string") }
    position += 1
    return String(decoding: bytes[start..<position - 1], as: UTF8.self)
  }

  private mutating func parseBool() throws(Problem) -> Bool {
    for (word, value) in [("True", true), ("False", false)] {
      let utf8 = Array(word.utf8)
      if position + utf8.count <= bytes.count && Array(bytes[position..<position + utf8.count]) == utf8 {
        position += utf8.count
        return value
      }
    }
    throw unexpected("True or False")
  }

  /// `()`, `(n,)` or `(n, m, ...)` with an optional trailing comma; `(n)` is an int in Python, not a tuple.
  private mutating func parseShape() throws(Problem) -> [Int] {
    try expect("(")
    var shape: [Int] = []
    var sawTrailingComma = false
    while true {
      skipSpaces()
      if peek() == UInt8(ascii: ")") {
        position += 1
        break
      }
      // NumPy itself allows at most 64 axes; the rank limit is reported once the shape is known.
      guard shape.count < 64 else { throw Problem("malformed header: more than 64 axes in the shape") }
      shape.append(try parseInteger())
      skipSpaces()
      sawTrailingComma = false
      if peek() == UInt8(ascii: ",") {
        position += 1
        sawTrailingComma = true
      } else if peek() != UInt8(ascii: ")") {
        throw unexpected("',' or ')' in the shape")
      }
    }
    if shape.count == 1 && !sawTrailingComma {
      throw Problem("malformed header: shape is not a tuple")
    }
    return shape
  }

  private mutating func parseInteger() throws(Problem) -> Int {
    let start = position
    while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
    let digits = bytes[start..<position]
    guard !digits.isEmpty else { throw unexpected("a non-negative integer in the shape") }
    guard digits.count == 1 || digits.first != UInt8(ascii: "0") else {
      throw Problem("malformed header: integer with a leading zero in the shape")
    }
    // 18 digits always fit in Int64; longer lengths are absurd for any array anyway.
    guard digits.count <= 18 else {
      throw Problem("axis length \(String(decoding: digits, as: UTF8.self)) is too large")
    }
    return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
  }

  private func duplicate(_ key: String) -> Problem {
    Problem("malformed header: key '\(key)' appears twice")
  }

  private func unexpected(_ expected: String) -> Problem {
    guard let byte = peek() else {
      return Problem("malformed header: ends where \(expected) was expected")
    }
    let shown =
      byte >= 0x20 && byte < 0x7F
      ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    return Problem("malformed header: \(shown) at offset \(position) where \(expected) was expected")
  }
}
