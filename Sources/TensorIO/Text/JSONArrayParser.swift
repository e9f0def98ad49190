import Tensors

/// A parser for the narrow JSON this module reads: nested arrays of numbers, 1-D to 4-D.
///
/// Written by hand rather than with `JSONSerialization` so that nesting is
/// bounded (recursion never goes past 4 levels, whatever the input), ragged
/// arrays are reported with their position, and numbers go straight to
/// `Float`. Besides RFC 8259 numbers it takes `NaN`, `Infinity` and
/// `-Infinity`, as Python's `json` module writes them.
///
/// Also accepted: an object `{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}`
/// with the elements flat in row-major order.
struct JSONArrayParser {
  static let maximumRank = 4
  private static let nonFiniteSpellings: [([UInt8], Float)] = [
    (Array("NaN".utf8), .nan), (Array("Infinity".utf8), .infinity), (Array("-Infinity".utf8), -.infinity),
  ]
  /// The bytes that end a token quoted in an error message.
  private static let delimiters = Array(" \t\r\n,:[]{}".utf8)

  private var scanner: ByteScanner
  private var scalars: [Float] = []
  /// The length of each level, fixed by the first array met at that level.
  private var lengths: [Int?] = Array(repeating: nil, count: maximumRank)
  /// The level at which numbers appear, fixed by the first number.
  private var rank: Int?

  private init(scanner: ByteScanner) {
    self.scanner = scanner
    _ = self.scanner.consume([0xEF, 0xBB, 0xBF])
  }

  static func read(_ bytes: [UInt8]) throws(Problem) -> Tensor {
    try ByteScanner.scanning(bytes) { scanner throws(Problem) in
      var parser = JSONArrayParser(scanner: scanner)
      return try parser.parseDocument()
    }
  }

  private mutating func parseDocument() throws(Problem) -> Tensor {
    scanner.skipJSONWhitespace()
    let tensor: Tensor
    switch scanner.peek() {
    case UInt8(ascii: "["):
      var path: [Int] = []
      try parseArray(level: 0, path: &path)
      let shape = lengths.prefix(rank ?? 0).map { $0 ?? 0 }
      tensor = Tensor(shape: shape, scalars: scalars)
    case UInt8(ascii: "{"):
      tensor = try parseShapeAndData()
    case nil:
      throw Problem("no JSON value (the file is empty)")
    default:
      throw unexpected("'[' or '{'")
    }
    scanner.skipJSONWhitespace()
    guard scanner.isAtEnd else { throw unexpected("the end of the file after the array") }
    return tensor
  }

  /// Parses the array at `position`, which is at nesting `level` (0 is outermost) and at `path`.
  private mutating func parseArray(level: Int, path: inout [Int]) throws(Problem) {
    guard level < JSONArrayParser.maximumRank else {
      throw Problem(
        "arrays nested deeper than \(JSONArrayParser.maximumRank) levels at \(location()); at most 4-D")
    }
    scanner.advance()
    scanner.skipJSONWhitespace()
    if scanner.peek() == UInt8(ascii: "]") { throw Problem("empty array at \(format(path))") }
    var count = 0
    while true {
      scanner.skipJSONWhitespace()
      if scanner.peek() == UInt8(ascii: "[") {
        if let rank, level + 1 >= rank {
          throw Problem("at \(format(path + [count])): expected a number, found an array")
        }
        path.append(count)
        try parseArray(level: level + 1, path: &path)
        path.removeLast()
      } else {
        if rank == nil { rank = level + 1 }
        if rank != level + 1 {
          if scanner.peek().map(startsNumber) == true {
            throw Problem("at \(format(path + [count])): expected an array, found a number")
          }
          throw unexpected("'['")
        }
        scalars.append(try parseNumber())
      }
      count += 1
      scanner.skipJSONWhitespace()
      if scanner.consume(UInt8(ascii: ",")) {
        scanner.skipJSONWhitespace()
        if scanner.peek() == UInt8(ascii: "]") { throw unexpected("a value after ','") }
      } else if scanner.consume(UInt8(ascii: "]")) {
        break
      } else {
        throw unexpected("',' or ']'")
      }
    }
    if let expected = lengths[level] {
      guard count == expected else {
        throw Problem(
          "ragged array at \(format(path)): \(count) element\(count == 1 ? "" : "s"), expected \(expected)")
      }
    } else {
      lengths[level] = count
    }
  }

  private mutating func parseNumber() throws(Problem) -> Float {
    if let first = scanner.peek(),
      first == UInt8(ascii: "N") || first == UInt8(ascii: "I") || first == UInt8(ascii: "-")
    {
      for (word, value) in JSONArrayParser.nonFiniteSpellings where scanner.consume(word) {
        return value
      }
    }
    let start = scanner.position
    let number: Range<Int>
    do throws(ByteScanner.MissingDigit) {
      number = try scanner.scanJSONNumber()
    } catch {
      scanner.position = start
      throw unexpected("a number")
    }
    guard let value = Float(scanner.text(number)) else {
      scanner.position = start
      throw unexpected("a number")
    }
    guard value.isFinite else {
      scanner.position = start
      throw Problem(
        "at \(location()): \(DecimalNumber.outOfRange(DecimalNumber.shown(scanner.bytes[number])))")
    }
    return value
  }

  /// `{"shape": [...], "data": [...]}` in either order, nothing else.
  private mutating func parseShapeAndData() throws(Problem) -> Tensor {
    scanner.advance()
    var shape: [Int]?
    var data: [Float]?
    while true {
      scanner.skipJSONWhitespace()
      let key = try parseKey()
      scanner.skipJSONWhitespace()
      guard scanner.consume(UInt8(ascii: ":")) else { throw unexpected("':'") }
      scanner.skipJSONWhitespace()
      switch key {
      case "shape" where shape == nil:
        shape = try parseShapeList()
      case "data" where data == nil:
        data = try parseFlatData(expected: shape.map(Tensor.elementCount))
      default:
        throw Problem(
          "at \(location()): unexpected key \"\(key)\"; an object holds only \"shape\" and \"data\"")
      }
      scanner.skipJSONWhitespace()
      if scanner.consume(UInt8(ascii: ",")) {
        continue
      } else if scanner.consume(UInt8(ascii: "}")) {
        break
      } else {
        throw unexpected("',' or '}'")
      }
    }
    guard let shape else { throw Problem("the object has no \"shape\"") }
    guard let data else { throw Problem("the object has no \"data\"") }
    let count = Tensor.elementCount(shape)
    guard data.count == count else {
      throw Problem("\"data\" has \(data.count) numbers, shape \(shape) needs \(count)")
    }
    return Tensor(shape: shape, scalars: data)
  }

  /// A key of plain ASCII letters, which is all the object form uses.
  private mutating func parseKey() throws(Problem) -> String {
    guard scanner.consume(UInt8(ascii: "\"")) else { throw unexpected("a key in double quotes") }
    // 17 letters are enough to tell that a key is neither "shape" nor "data".
    let letters = scanner.scan(while: JSONArrayParser.isASCIILetter, limit: 17)
    guard scanner.consume(UInt8(ascii: "\"")) else {
      throw unexpected("a key such as \"shape\" or \"data\"")
    }
    return scanner.text(letters)
  }

  private mutating func parseShapeList() throws(Problem) -> [Int] {
    guard scanner.consume(UInt8(ascii: "[")) else { throw unexpected("'[' starting the shape") }
    var shape: [Int] = []
    var elementCount = 1
    while true {
      scanner.skipJSONWhitespace()
      let digits = scanner.scanDigits()
      guard !digits.isEmpty else { throw unexpected("a positive integer in the shape") }
      guard digits.count <= 18, let length = Int(scanner.text(digits)), length > 0 else {
        throw Problem(
          "at \(location()): axis length \(DecimalNumber.shown(scanner.bytes[digits])) is not a positive integer"
        )
      }
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: length)
      // Every element takes at least two bytes of the file ("0,"), so larger shapes cannot be real.
      guard !overflow, product <= scanner.bytes.count else {
        throw Problem("shape has more elements than the file can hold")
      }
      elementCount = product
      shape.append(length)
      guard shape.count <= JSONArrayParser.maximumRank else {
        throw Problem("shape has more than \(JSONArrayParser.maximumRank) axes; at most 4-D")
      }
      scanner.skipJSONWhitespace()
      if scanner.consume(UInt8(ascii: ",")) {
        continue
      } else if scanner.consume(UInt8(ascii: "]")) {
        return shape
      } else {
        throw unexpected("',' or ']' in the shape")
      }
    }
  }

  private mutating func parseFlatData(expected: Int?) throws(Problem) -> [Float] {
    guard scanner.consume(UInt8(ascii: "[")) else { throw unexpected("'[' starting the data") }
    var data: [Float] = []
    while true {
      scanner.skipJSONWhitespace()
      data.append(try parseNumber())
      scanner.skipJSONWhitespace()
      if let expected, data.count > expected {
        throw Problem("\"data\" has more than the \(expected) numbers the shape needs")
      }
      if scanner.consume(UInt8(ascii: ",")) {
        continue
      } else if scanner.consume(UInt8(ascii: "]")) {
        return data
      } else {
        throw unexpected("',' or ']' in the data")
      }
    }
  }

  private static func isASCIILetter(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
  }

  private func startsNumber(_ byte: UInt8) -> Bool {
    ByteScanner.isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "N")
      || byte == UInt8(ascii: "I")
  }

  private func format(_ path: [Int]) -> String {
    "[" + path.map(String.init).joined(separator: ", ") + "]"
  }

  /// "line L, column C" of the scanner's position, counted in bytes from 1.
  private func location() -> String {
    let (line, column) = scanner.location
    return "line \(line), column \(column)"
  }

  private func unexpected(_ expected: String) -> Problem {
    // The offending token runs to the next delimiter, so the message shows what a reader would call it.
    guard let shown = scanner.shownToken(delimitedBy: JSONArrayParser.delimiters) else {
      return Problem("unexpected end of file where \(expected) was expected")
    }
    return Problem("at \(location()): unexpected \(shown) where \(expected) was expected")
  }
}
