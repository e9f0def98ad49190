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

  private var scanner: ByteScanner

  /// Parses the dictionary that starts at `position` in `bytes` and runs, with its padding, to the end.
  static func parse(_ bytes: [UInt8], from position: Int) throws(Problem) -> Fields {
    try ByteScanner.scanning(bytes, from: position) { scanner throws(Problem) in
      var parser = HeaderDictionaryParser(scanner: scanner)
      return try parser.parseDictionary()
    }
  }

  private mutating func parseDictionary() throws(Problem) -> Fields {
    var descr: String?
    var fortranOrder: Bool?
    var shape: [Int]?
    try expect("{")
    while true {
      skipSpaces()
      if scanner.consume(UInt8(ascii: "}")) { break }
      let key = try parseString(what: "a key")
      skipSpaces()
      try expect(":")
      skipSpaces()
      switch key {
      case "descr":
        guard descr == nil else { throw duplicate(key) }
        if scanner.peek() == UInt8(ascii: "[") {
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
      if !scanner.consume(UInt8(ascii: ",")) && scanner.peek() != UInt8(ascii: "}") {
        throw unexpected("',' or '}'")
      }
    }
    // NumPy pads the header with spaces and ends it with a newline.
    scanner.scan(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
    guard scanner.isAtEnd else {
      throw Problem(
        "malformed header: \(scanner.bytes.count - scanner.position) bytes after the padding "
          + "(the header length is wrong)")
    }
    guard let descr else { throw Problem("malformed header: no 'descr'") }
    guard let fortranOrder else { throw Problem("malformed header: no 'fortran_order'") }
    guard let shape else { throw Problem("malformed header: no 'shape'") }
    return Fields(descr: descr, fortranOrder: fortranOrder, shape: shape)
  }

  /// Skips spaces only: NumPy writes no tabs or newlines inside the dictionary.
  private mutating func skipSpaces() {
    scanner.scan(while: { $0 == UInt8(ascii: " ") })
  }

  private mutating func expect(_ character: Unicode.Scalar) throws(Problem) {
    guard scanner.consume(UInt8(ascii: character)) else { throw unexpected("'\(character)'") }
  }

  /// A quoted string of printable ASCII without escapes, which is all NumPy ever writes here.
  private mutating func parseString(what: String) throws(Problem) -> String {
    guard let quote = scanner.peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
      throw unexpected(what)
    }
    scanner.advance()
    let contents = scanner.scan(while: { $0 != quote && $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") })
    guard !scanner.isAtEnd else { throw Problem("malformed header: unterminated string") }
    guard scanner.consume(quote) else { throw unexpected("a plain string") }
    return scanner.text(contents)
  }

  private mutating func parseBool() throws(Problem) -> Bool {
    if scanner.consume("True".utf8) { return true }
    if scanner.consume("False".utf8) { return false }
    throw unexpected("True or False")
  }

  /// `()`, `(n,)` or `(n, m, ...)` with an optional trailing comma; `(n)` is an int in Python, not a tuple.
  private mutating func parseShape() throws(Problem) -> [Int] {
    try expect("(")
    var shape: [Int] = []
    var sawTrailingComma = false
    while true {
      skipSpaces()
      if scanner.consume(UInt8(ascii: ")")) { break }
      // NumPy itself allows at most 64 axes; the rank limit is reported once the shape is known.
      guard shape.count < 64 else { throw Problem("malformed header: more than 64 axes in the shape") }
      shape.append(try parseInteger())
      skipSpaces()
      sawTrailingComma = scanner.consume(UInt8(ascii: ","))
      if !sawTrailingComma && scanner.peek() != UInt8(ascii: ")") {
        throw unexpected("',' or ')' in the shape")
      }
    }
    if shape.count == 1 && !sawTrailingComma {
      throw Problem("malformed header: shape is not a tuple")
    }
    return shape
  }

  private mutating func parseInteger() throws(Problem) -> Int {
    let digits = scanner.scanDigits()
    guard !digits.isEmpty else { throw unexpected("a non-negative integer in the shape") }
    guard digits.count == 1 || scanner.bytes[digits.lowerBound] != UInt8(ascii: "0") else {
      throw Problem("malformed header: integer with a leading zero in the shape")
    }
    // 18 digits always fit in Int64; longer lengths are absurd for any array anyway.
    guard digits.count <= 18 else {
      throw Problem("axis length \(scanner.text(digits)) is too large")
    }
    return scanner.bytes[digits].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
  }

  private func duplicate(_ key: String) -> Problem {
    Problem("malformed header: key '\(key)' appears twice")
  }

  private func unexpected(_ expected: String) -> Problem {
    guard let shown = scanner.shownToken() else {
      return Problem("malformed header: ends where \(expected) was expected")
    }
    return Problem("malformed header: \(shown) at offset \(scanner.position) where \(expected) was expected")
  }
}
