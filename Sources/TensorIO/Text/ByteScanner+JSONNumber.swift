extension ByteScanner {
  /// The part of a JSON number that lacks the digit it needs.
  package enum MissingDigit: Error, Equatable {
    /// The integer part: nothing, or only `-`, where a number should start.
    case integer
    /// A `.` with no digit after it.
    case fraction
    /// An `e` or `E`, with an optional sign, and no digit after it.
    case exponent
  }

  /// Moves past a number of RFC 8259's grammar and returns its range.
  ///
  /// That is an optional `-`, then `0` or digits not starting with `0`, an
  /// optional `.` with digits, and an optional `e` or `E` with an optional sign
  /// and digits. A leading `0` ends the integer part, so `012` is the number
  /// `0` followed by `12`. On failure `position` is at the byte where the
  /// missing digit should be.
  @inline(__always)
  package mutating func scanJSONNumber() throws(MissingDigit) -> Range<Int> {
    let start = position
    _ = consume(UInt8(ascii: "-"))
    if !consume(UInt8(ascii: "0")) {
      guard !scanDigits().isEmpty else { throw .integer }
    }
    if consume(UInt8(ascii: ".")) {
      guard !scanDigits().isEmpty else { throw .fraction }
    }
    if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
      if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
      guard !scanDigits().isEmpty else { throw .exponent }
    }
    return start..<position
  }
}
