/// A strict RFC 8259 parser for safetensors headers, with bounded nesting.
///
/// Written by hand rather than with `JSONSerialization` for three reasons:
/// nesting is capped (a header of a million `[` cannot exhaust the stack),
/// duplicate keys stay visible, and it needs no Foundation. A real header is
/// three levels deep (header object, tensor object, shape array).
struct HeaderJSONParser {
  /// Deeper input is rejected; real headers use 3 levels.
  static let maximumDepth = 16

  private var scanner: ByteScanner

  private init(bytes: UnsafeRawBufferPointer) {
    scanner = ByteScanner(bytes)
  }

  /// Parses `bytes` as one JSON value with only whitespace around it.
  ///
  /// Trailing spaces are whitespace, which covers the padding writers put
  /// after the header to align the data.
  static func parse(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> HeaderJSON {
    var parser = HeaderJSONParser(bytes: bytes)
    parser.scanner.skipJSONWhitespace()
    let value = try parser.parseValue(depth: 0)
    parser.scanner.skipJSONWhitespace()
    guard parser.scanner.isAtEnd else { throw parser.unexpected("the end of the header") }
    return value
  }

  private func unexpected(_ expected: String) -> Problem {
    let found = scanner.shownToken() ?? "the end"
    return Problem(
      "header is not valid JSON: expected \(expected), found \(found) at byte \(scanner.position)")
  }

  private mutating func parseValue(depth: Int) throws(Problem) -> HeaderJSON {
    guard let byte = scanner.peek() else { throw unexpected("a JSON value") }
    switch byte {
    case UInt8(ascii: "{"):
      return try parseObject(depth: depth + 1)
    case UInt8(ascii: "["):
      return try parseArray(depth: depth + 1)
    case UInt8(ascii: "\""):
      return .string(try parseString())
    case UInt8(ascii: "t"):
      guard scanner.consume("true".utf8) else { throw unexpected("a JSON value") }
      return .bool(true)
    case UInt8(ascii: "f"):
      guard scanner.consume("false".utf8) else { throw unexpected("a JSON value") }
      return .bool(false)
    case UInt8(ascii: "n"):
      guard scanner.consume("null".utf8) else { throw unexpected("a JSON value") }
      return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return .number(try parseNumber())
    default:
      throw unexpected("a JSON value")
    }
  }

  private func checkDepth(_ depth: Int) throws(Problem) {
    guard depth <= HeaderJSONParser.maximumDepth else {
      throw Problem(
        "header nests deeper than \(HeaderJSONParser.maximumDepth) levels at byte \(scanner.position); "
          + "a safetensors header needs 3")
    }
  }

  private mutating func parseObject(depth: Int) throws(Problem) -> HeaderJSON {
    try checkDepth(depth)
    scanner.advance()
    var members: [(key: String, value: HeaderJSON)] = []
    scanner.skipJSONWhitespace()
    if scanner.consume(UInt8(ascii: "}")) { return .object(members) }
    while true {
      scanner.skipJSONWhitespace()
      guard scanner.peek() == UInt8(ascii: "\"") else { throw unexpected("a member name in quotes") }
      let key = try parseString()
      scanner.skipJSONWhitespace()
      guard scanner.consume(UInt8(ascii: ":")) else { throw unexpected("':'") }
      scanner.skipJSONWhitespace()
      members.append((key, try parseValue(depth: depth)))
      scanner.skipJSONWhitespace()
      if scanner.consume(UInt8(ascii: ",")) { continue }
      guard scanner.consume(UInt8(ascii: "}")) else { throw unexpected("',' or '}'") }
      return .object(members)
    }
  }

  private mutating func parseArray(depth: Int) throws(Problem) -> HeaderJSON {
    try checkDepth(depth)
    scanner.advance()
    var elements: [HeaderJSON] = []
    scanner.skipJSONWhitespace()
    if scanner.consume(UInt8(ascii: "]")) { return .array(elements) }
    while true {
      scanner.skipJSONWhitespace()
      elements.append(try parseValue(depth: depth))
      scanner.skipJSONWhitespace()
      if scanner.consume(UInt8(ascii: ",")) { continue }
      guard scanner.consume(UInt8(ascii: "]")) else { throw unexpected("',' or ']'") }
      return .array(elements)
    }
  }

  /// The text of the number at the scanner's position, checked against RFC 8259's grammar.
  private mutating func parseNumber() throws(Problem) -> String {
    do throws(ByteScanner.MissingDigit) {
      return scanner.text(try scanner.scanJSONNumber())
    } catch {
      switch error {
      case .integer: throw unexpected("a digit")
      case .fraction: throw unexpected("a digit after '.'")
      case .exponent: throw unexpected("a digit in the exponent")
      }
    }
  }

  /// The decoded contents of the string at the scanner's position, which must be valid UTF-8.
  private mutating func parseString() throws(Problem) -> String {
    scanner.advance()
    var utf8: [UInt8] = []
    while true {
      guard let byte = scanner.peek() else { throw unexpected("'\"' to close the string") }
      switch byte {
      case UInt8(ascii: "\""):
        scanner.advance()
        guard let text = String(validating: utf8, as: UTF8.self) else {
          throw Problem(
            "header is not valid JSON: a string before byte \(scanner.position) is not valid UTF-8")
        }
        return text
      case UInt8(ascii: "\\"):
        scanner.advance()
        try parseEscape(into: &utf8)
      case 0..<0x20:
        throw unexpected("no control character inside a string")
      default:
        utf8.append(byte)
        scanner.advance()
      }
    }
  }

  private mutating func parseEscape(into utf8: inout [UInt8]) throws(Problem) {
    guard let byte = scanner.peek() else { throw unexpected("an escape") }
    let simple: UInt8?
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
    case UInt8(ascii: "b"): simple = 0x08
    case UInt8(ascii: "f"): simple = 0x0C
    case UInt8(ascii: "n"): simple = 0x0A
    case UInt8(ascii: "r"): simple = 0x0D
    case UInt8(ascii: "t"): simple = 0x09
    case UInt8(ascii: "u"): simple = nil
    default: throw unexpected("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u")
    }
    scanner.advance()
    if let simple {
      utf8.append(simple)
      return
    }
    var code = try parseHexQuad()
    if (0xD800..<0xDC00).contains(code) {
      // A high surrogate must be followed by an escaped low surrogate.
      guard scanner.consume(UInt8(ascii: "\\")), scanner.consume(UInt8(ascii: "u")) else {
        throw unexpected("a low surrogate after \\u\(hex(code))")
      }
      let low = try parseHexQuad()
      guard (0xDC00..<0xE000).contains(low) else {
        throw Problem("header is not valid JSON: \\u\(hex(code)) is not followed by a low surrogate")
      }
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
    } else if (0xDC00..<0xE000).contains(code) {
      throw Problem(
        "header is not valid JSON: lone low surrogate \\u\(hex(code)) before byte \(scanner.position)")
    }
    // Every code point left is a valid scalar: surrogates were handled above.
    utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
  }

  private mutating func parseHexQuad() throws(Problem) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = scanner.peek(), let digit = HeaderJSONParser.hexDigit(byte) else {
        throw unexpected("four hexadecimal digits after \\u")
      }
      value = value << 4 | digit
      scanner.advance()
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
