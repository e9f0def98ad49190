/// Strict recognisers for numbers written as text, converted to `Float`.
///
/// `Float(_:)` alone would also take hexadecimal floats and NaN payloads
/// such as `nan(0x1)`, so the text is matched against a plain decimal grammar
/// first.
enum DecimalNumber {
  /// A CSV number: `[+-]` digits with an optional point and exponent, or `nan`, `inf`, `infinity`
  /// in any case. Returns nil if `text` is not one.
  static func parseCSV(_ text: ArraySlice<UInt8>) -> Float? {
    var index = text.startIndex
    if index < text.endIndex && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
      index += 1
    }
    if index < text.endIndex && text[index] | 0x20 >= UInt8(ascii: "a")
      && text[index] | 0x20 <= UInt8(ascii: "z")
    {
      let word = String(decoding: text[index...], as: UTF8.self).lowercased()
      guard word == "nan" || word == "inf" || word == "infinity" else { return nil }
      return Float(String(decoding: text, as: UTF8.self))
    }
    var digits = 0
    while index < text.endIndex && isDigit(text[index]) {
      index += 1
      digits += 1
    }
    if index < text.endIndex && text[index] == UInt8(ascii: ".") {
      index += 1
      while index < text.endIndex && isDigit(text[index]) {
        index += 1
        digits += 1
      }
    }
    guard digits > 0 else { return nil }
    guard let afterExponent = exponentEnd(text, from: index), afterExponent == text.endIndex else {
      return nil
    }
    return Float(String(decoding: text, as: UTF8.self))
  }

  /// The index past an optional exponent `e[+-]digits` at `index`, or nil if it is malformed.
  private static func exponentEnd(_ text: ArraySlice<UInt8>, from start: Int) -> Int? {
    var index = start
    guard index < text.endIndex, text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") else {
      return index
    }
    index += 1
    if index < text.endIndex && (text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-")) {
      index += 1
    }
    guard index < text.endIndex, isDigit(text[index]) else { return nil }
    while index < text.endIndex && isDigit(text[index]) { index += 1 }
    return index
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  /// How a finite text became an infinite `Float`, said for an error message.
  static func outOfRange(_ text: String) -> String {
    "\(text) is out of the Float32 range (±3.4e38)"
  }

  /// A cell or token cut to a readable length for an error message.
  static func shown(_ bytes: some Collection<UInt8>) -> String {
    let text = String(decoding: bytes.prefix(40), as: UTF8.self)
    return bytes.count > 40 ? text + "…" : text
  }
}
