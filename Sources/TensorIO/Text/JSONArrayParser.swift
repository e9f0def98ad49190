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

  private let bytes: [UInt8]
  private var position = 0
  private var scalars: [Float] = []
  /// The length of each level, fixed by the first array met at that level.
  private var lengths: [Int?] = Array(repeating: nil, count: maximumRank)
  /// The level at which numbers appear, fixed by the first number.
  private var rank: Int?

  init(bytes: [UInt8]) {
    self.bytes = bytes
    position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
  }

  static func read(_ bytes: [UInt8]) throws(Problem) -> Tensor {
    var parser = JSONArrayParser(bytes: bytes)
    return try parser.parseDocument()
  }

  private mutating func parseDocument() throws(Problem) -> Tensor {
    skipWhitespace()
    let tensor: Tensor
    switch peek() {
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
    skipWhitespace()
    guard position == bytes.count else { throw unexpected("the end of the file after the array") }
    return tensor
  }

  /// Parses the array at `position`, which is at nesting `level` (0 is outermost) and at `path`.
  private mutating func parseArray(level: Int, path: inout [Int]) throws(Problem) {
    guard level < JSONArrayParser.maximumRank else {
      throw Problem(
        "arrays nested deeper than \(JSONArrayParser.maximumRank) levels at \(location()); at most 4-D")
    }
    position += 1
    skipWhitespace()
    if peek() == UInt8(ascii: "]") { throw Problem("empty array at \(format(path))") }
    var count = 0
    while true {
      skipWhitespace()
      if peek() == UInt8(ascii: "[") {
        if let rank, level + 1 >= rank {
          throw Problem("at \(format(path + [count])): expected a number, found an array")
        }
        path.append(count)
        try parseArray(level: level + 1, path: &path)
        path.removeLast()
      } else {
        if rank == nil { rank = level + 1 }
        if rank != level + 1 {
          if peek().map(startsNumber) == true {
            throw Problem("at \(format(path + [count])): expected an array, found a number")
          }
          throw unexpected("'['")
        }
        scalars.append(try parseNumber())
      }
      count += 1
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "]") { throw unexpected("a value after ','") }
      } else if peek() == UInt8(ascii: "]") {
        position += 1
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
    if let first = peek(),
      first == UInt8(ascii: "N") || first == UInt8(ascii: "I") || first == UInt8(ascii: "-")
    {
      for (word, value) in JSONArrayParser.nonFiniteSpellings
      where bytes[position...].starts(with: word) {
        position += word.count
        return value
      }
    }
    guard let (value, end) = DecimalNumber.parseJSON(bytes, from: position) else {
      throw unexpected("a number")
    }
    guard value.isFinite else {
      throw Problem(
        "at \(location()): \(DecimalNumber.outOfRange(DecimalNumber.shown(bytes[position..<end])))")
    }
    position = end
    return value
  }

  /// `{"shape": [...], "data": [...]}` in either order, nothing else.
  private mutating func parseShapeAndData() throws(Problem) -> Tensor {
    position += 1
    var shape: [Int]?
    var data: [Float]?
    while true {
      skipWhitespace()
      let key = try parseKey()
      skipWhitespace()
      guard peek() == UInt8(ascii: ":") else { throw unexpected("':'") }
      position += 1
      skipWhitespace()
      switch key {
      case "shape" where shape == nil:
        shape = try parseShapeList()
      case "data" where data == nil:
        data = try parseFlatData(expected: shape.map(Tensor.elementCount))
      default:
        throw Problem(
          "at \(location()): unexpected key \"\(key)\"; an object holds only \"shape\" and \"data\"")
      }
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
      } else if peek() == UInt8(ascii: "}") {
        position += 1
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
    guard peek() == UInt8(ascii: "\"") else { throw unexpected("a key in double quotes") }
    let start = position + 1
    var end = start
    while end < bytes.count, end - start <= 16, bytes[end] != UInt8(ascii: "\""),
      (bytes[end] | 0x20) >= UInt8(ascii: "a"), (bytes[end] | 0x20) <= UInt8(ascii: "z")
    {
      end += 1
    }
    guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
      position = end
      throw unexpected("a key such as \"shape\" or \"data\"")
    }
    position = end + 1
    return String(decoding: bytes[start..<end], as: UTF8.self)
  }

  private mutating func parseShapeList() throws(Problem) -> [Int] {
    guard peek() == UInt8(ascii: "[") else { throw unexpected("'[' starting the shape") }
    position += 1
    var shape: [Int] = []
    var elementCount = 1
    while true {
      skipWhitespace()
      let start = position
      while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
      let digits = bytes[start..<position]
      guard !digits.isEmpty else { throw unexpected("a positive integer in the shape") }
      guard digits.count <= 18, let length = Int(String(decoding: digits, as: UTF8.self)), length > 0 else {
        throw Problem(
          "at \(location()): axis length \(DecimalNumber.shown(digits)) is not a positive integer")
      }
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: length)
      // Every element takes at least two bytes of the file ("0,"), so larger shapes cannot be real.
      guard !overflow, product <= bytes.count else {
        throw Problem("shape has more elements than the file can hold")
      }
      elementCount = product
      shape.append(length)
      guard shape.count <= JSONArrayParser.maximumRank else {
        throw Problem("shape has more than \(JSONArrayParser.maximumRank) axes; at most 4-D")
      }
      skipWhitespace()
      if peek() == UInt8(ascii: ",") {
        position += 1
      } else if peek() == UInt8(ascii: "]") {
        position += 1
        return shape
      } else {
        throw unexpected("',' or ']' in the shape")
      }
    }
  }

  private mutating func parseFlatData(expected: Int?) throws(Problem) -> [Float] {
    guard peek() == UInt8(ascii: "[") else { throw unexpected("'[' starting the data") }
    position += 1
    var data: [Float] = []
    while true {
      skipWhitespace()
      data.append(try parseNumber())
      skipWhitespace()
      if let expected, data.count > expected {
        throw Problem("\"data\" has more than the \(expected) numbers the shape needs")
      }
      if peek() == UInt8(ascii: ",") {
        position += 1
      } else if peek() == UInt8(ascii: "]") {
        position += 1
        return data
      } else {
        throw unexpected("',' or ']' in the data")
      }
    }
  }

  private func peek() -> UInt8? {
    position < bytes.count ? bytes[position] : nil
  }

  private mutating func skipWhitespace() {
    while let byte = peek(),
      byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
        || byte == UInt8(ascii: "\t")
    {
      position += 1
    }
  }

  private func startsNumber(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
      || byte == UInt8(ascii: "N") || byte == UInt8(ascii: "I")
  }

  private func format(_ path: [Int]) -> String {
    "[" + path.map(String.init).joined(separator: ", ") + "]"
  }

  /// "line L, column C" of `position`, counted in bytes from 1.
  private func location() -> String {
    var line = 1
    var lineStart = 0
    for index in 0..<min(position, bytes.count) where bytes[index] == UInt8(ascii: "\n") {
      line += 1
      lineStart = index + 1
    }
    return "line \(line), column \(position - lineStart + 1)"
  }

  private func unexpected(_ expected: String) -> Problem {
    guard let byte = peek() else {
      return Problem("unexpected end of file where \(expected) was expected")
    }
    // The offending token runs to the next delimiter, so the message shows what a reader would call it.
    let delimiters = Array(" \t\r\n,:[]{}".utf8)
    var end = position + 1
    while end < bytes.count, !delimiters.contains(bytes[end]) { end += 1 }
    let shown =
      byte >= 0x20 && byte < 0x7F
      ? "'\(DecimalNumber.shown(bytes[position..<end]))'" : "byte 0x\(String(byte, radix: 16))"
    return Problem("at \(location()): unexpected \(shown) where \(expected) was expected")
  }
}
