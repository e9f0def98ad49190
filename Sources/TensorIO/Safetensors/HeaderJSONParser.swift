/// A strict RFC 8259 parser for safetensors headers, with bounded nesting.
///
/// Written by hand rather than with `JSONSerialization` for three reasons:
/// nesting is capped (a header of a million `[` cannot exhaust the stack),
/// duplicate keys stay visible, and it needs no Foundation. A real header is
/// three levels deep (header object, tensor object, shape array).
struct HeaderJSONParser {
  /// Deeper input is rejected; real headers use 3 levels.
  static let maximumDepth = 16

  private let bytes: UnsafeRawBufferPointer
  private var position = 0

  private init(bytes: UnsafeRawBufferPointer) {
    self.bytes = bytes
  }

  /// Parses `bytes` as one JSON value with only whitespace around it.
  ///
  /// Trailing spaces are whitespace, which covers the padding writers put
  /// after the header to align the data.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> HeaderJSON {
    var parser = HeaderJSONParser(bytes: bytes)
    parser.skipWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    guard parser.position == bytes.count else { throw parser.unexpected("the end of the header") }
    return value
  }

  private func peek() -> UInt8? {
    position < bytes.count ? bytes[position] : nil
  }

  private mutating func skipWhitespace() {
    while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
      position += 1
    }
  }

  private func unexpected(_ expected: String) -> Problem {
    guard let byte = peek() else {
      return Problem("header is not valid JSON: expected \(expected), found the end at byte \(position)")
    }
    let shown =
      byte >= 0x20 && byte < 0x7F
      ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    return Problem("header is not valid JSON: expected \(expected), found \(shown) at byte \(position)")
  }

  private mutating func expect(_ byte: UInt8, _ name: String) throws(Problem) {
    guard peek() == byte else { throw unexpected(name) }
    position += 1
  }

  private mutating func parseValue(depth: Int) throws(Problem) -> HeaderJSON {
    guard let byte = peek() else { throw unexpected("a JSON value") }
    switch byte {
    case UInt8(ascii: "{"):
      return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["):
      return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""):
      return .string(try parseString())
    case UInt8(ascii: "t"):
      try parseLiteral("true")
      return .bool(true)
    case UInt8(ascii: "f"):
      try parseLiteral("false")
      return .bool(false)
    case UInt8(ascii: "n"):
      try parseLiteral("null")
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .number(try parseNumber())
    default:
      throw unexpected("a JSON value")
    }
  }

  private mutating func checkDepth(_ depth: Int) throws(Problem) {
    guard depth <= HeaderJSONParser.maximumDepth else {
      throw Problem(
        "header nests deeper than \(HeaderJSONParser.maximumDepth) levels at byte \(position); "
          + "a safetensors header needs 3")
    }
  }

  private mutating func parseObject(depth: Int) throws(Problem) -> HeaderJSON {
    try checkDepth(depth)
    position += 1
    var members: [(key: String, value: HeaderJSON)] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "}") {
      position += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw unexpected("a member name in quotes") }
      let key = try parseString()
      skipWhitespace()
      try expect(UInt8(ascii: ":"), "':'")
      skipWhitespace()
      members.append((key, try parseValue(depth: depth)))
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "}"), "',' or '}'")
      return .object(members)
    }
  }

  private mutating func parseArray(depth: Int) throws(Problem) -> HeaderJSON {
    try checkDepth(depth)
    position += 1
    var elements: [HeaderJSON] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "]") {
      position += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue(depth: depth))
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
        continue
      }
      try expect(UInt8(ascii: "]"), "',' or ']'")
      return .array(elements)
    }
  }

  private mutating func parseLiteral(_ word: String) throws(Problem) {
    let start = position
    for byte in word.utf8 {
      guard peek() == byte else {
        position = start
        throw unexpected("a JSON value")
      }
      position += 1
    }
  }

  /// The text of the number at `position`, checked against RFC 8259's grammar.
  private mutating func parseNumber() throws(Problem) -> String {
    let start = position
    func digits(_ parser: inout HeaderJSONParser) -> Int {
      var count = 0
      while let byte = parser.peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        parser.position += 1
        count += 1
      }
      return count
    }
    if peek() == UInt8(ascii: "-") { position += 1 }
    if peek() == UInt8(ascii: "0") {
      position += 1
    } else if digits(&self) == 0 {
      throw unexpected("a digit")
    }
    if peek() == UInt8(ascii: ".") {
      position += 1
      guard digits(&self) > 0 else { throw unexpected("a digit after '.'") }
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      position += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
      guard digits(&self) > 0 else { throw unexpected("a digit in the exponent") }
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
  }

  /// The decoded contents of the string at `position`, which must be valid UTF-8.
  private mutating func parseString() throws(Problem) -> String {
    position += 1
    var utf8: [UInt8] = []
    while true {
      guard let byte = peek() else { throw unexpected("'\"' to close the string") }
      switch byte {
      case UInt8(ascii: "\""):
        position += 1
        guard let text = String(validating: utf8, as: UTF8.self) else {
          throw Problem("header is not valid JSON: a string before byte \(position) is not valid UTF-8")
        }
        return text
      case UInt8(ascii: "\\"):
        position += 1
        try parseEscape(into: &utf8)
      case 0..<0x20:
        throw unexpected("no control character inside a string")
      default:
        utf8.append(byte)
        position += 1
      }
    }
  }

  private mutating func parseEscape(into utf8: inout [UInt8]) throws(Problem) {
    guard let byte = peek() else { throw unexpected("an escape") }
    position += 1
    let simple: UInt8?
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
    case UInt8(ascii: "b"): simple = 0x08
    case UInt8(ascii: "f"): simple = 0x0C
    case UInt8(ascii: "n"): simple = 0x0A
    case UInt8(ascii: "r"): simple = 0x0D
    case UInt8(ascii: "t"): simple = 0x09
    default: simple = nil
    }
    if let simple {
      utf8.append(simple)
      return
    }
    guard byte == UInt8(ascii: "u") else {
      position -= 1
      throw unexpected("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")
    }
    var code = try parseHexQuad()
    if (0xD800..<0xDC00).contains(code) {
      // A high surrogate must be followed by an escaped low surrogate.
      guard peek() == UInt8(ascii: "\\") else { throw unexpected("a low surrogate after \\u\(hex(code))") }
      position += 1
      guard peek() == UInt8(ascii: "u") else { throw unexpected("a low surrogate after \\u\(hex(code))") }
      position += 1
      let low = try parseHexQuad()
      guard (0xDC00..<0xE000).contains(low) else {
        throw Problem("header is not valid JSON: \\u\(hex(code)) is not followed by a low surrogate")
      }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
    } else if (0xDC00..<0xE000).contains(code) {
      throw Problem("header is not valid JSON: lone low surrogate \\u\(hex(code)) before byte \(position)")
    }
    // Every code point left is a valid scalar: surrogates were handled above.
    utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
  }

  private mutating func parseHexQuad() throws(Problem) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = peek(), let digit = HeaderJSONParser.hexDigit(byte) else {
        throw unexpected("four hexadecimal digits after \\u")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  private static func hexDigit(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
    default: return nil
    }
  }

  private func hex(_ code: UInt32) -> String {
    let digits = String(code, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
  }
}
