/// A cursor over bytes for the hand-written parsers in TensorIO: the JSON
/// array reader, the safetensors header reader and the `.npy` header reader.
///
/// It knows bytes, not grammars: each parser decides what may come next, what
/// counts as whitespace beyond JSON's, and how its errors read. The one piece
/// of grammar here is the RFC 8259 number, which both JSON readers take.
///
/// The bytes are borrowed, so a scanner must not outlive the buffer it was
/// made over; `scanning(_:from:_:)` lends an array's bytes for one parse.
package struct ByteScanner {
  package let bytes: UnsafeRawBufferPointer
  /// The offset of the next byte to read, from the start of `bytes`.
  package var position: Int
  /// `bytes.count`, kept because the buffer's own count is recomputed on every read.
  package let end: Int

  package init(_ bytes: UnsafeRawBufferPointer, from position: Int = 0) {
    precondition((0...bytes.count).contains(position), "scan start \(position) outside \(bytes.count) bytes")
    self.bytes = bytes
    self.position = position
    end = bytes.count
  }

  /// Runs `body` with a scanner over `bytes` that starts at `position`.
  package static func scanning<Value, Failure: Error>(
    _ bytes: [UInt8], from position: Int = 0, _ body: (ByteScanner) throws(Failure) -> Value
  ) throws(Failure) -> Value {
    // `withUnsafeBytes` only rethrows, which would widen the error to `any Error`.
    try bytes.withUnsafeBytes { raw in
      Result { () throws(Failure) -> Value in try body(ByteScanner(raw, from: position)) }
    }.get()
  }

  package var isAtEnd: Bool { position >= end }

  /// The byte at `position`, or nil at the end.
  @inline(__always)
  package func peek() -> UInt8? {
    position < end ? bytes[position] : nil
  }

  @inline(__always)
  package mutating func advance(by count: Int = 1) {
    position += count
  }

  /// Moves past `byte` if it comes next; returns whether it did.
  @inline(__always)
  package mutating func consume(_ byte: UInt8) -> Bool {
    guard position < end, bytes[position] == byte else { return false }
    position += 1
    return true
  }

  /// Moves past `literal` if the bytes from `position` start with all of it; returns whether they did.
  package mutating func consume(_ literal: some Sequence<UInt8>) -> Bool {
    var index = position
    for byte in literal {
      guard index < end, bytes[index] == byte else { return false }
      index += 1
    }
    position = index
    return true
  }

  /// Moves past bytes that satisfy `isIncluded`, at most `limit` of them, and returns their range.
  @inline(__always)
  @discardableResult
  package mutating func scan(while isIncluded: (UInt8) -> Bool, limit: Int = .max) -> Range<Int> {
    let start = position
    while position < end, position - start < limit, isIncluded(bytes[position]) {
      position += 1
    }
    return start..<position
  }

  /// Moves past ASCII digits and returns their range, empty if none come next.
  @inline(__always)
  @discardableResult
  package mutating func scanDigits() -> Range<Int> {
    let start = position
    while position < end, ByteScanner.isDigit(bytes[position]) { position += 1 }
    return start..<position
  }

  /// Moves past the whitespace of RFC 8259: space, tab, line feed and carriage return.
  @inline(__always)
  package mutating func skipJSONWhitespace() {
    while position < end {
      let byte = bytes[position]
      guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
      position += 1
    }
  }

  /// The decoding of `range` as UTF-8, with invalid sequences replaced.
  @inline(__always)
  package func text(_ range: Range<Int>) -> String {
    guard let base = bytes.baseAddress, !range.isEmpty else { return "" }
    // Typed, the bytes take the standard library's fast path for UTF-8; raw, they do not.
    let utf8 = UnsafeBufferPointer(
      start: base.assumingMemoryBound(to: UInt8.self) + range.lowerBound, count: range.count)
    return String(decoding: utf8, as: UTF8.self)
  }

  /// The 1-based line and column of `position`, counted in bytes, for error messages.
  package var location: (line: Int, column: Int) {
    var line = 1
    var lineStart = 0
    for index in 0..<min(position, end) where bytes[index] == UInt8(ascii: "\n") {
      line += 1
      lineStart = index + 1
    }
    return (line, position - lineStart + 1)
  }

  /// The next byte as an error message names it, or nil at the end: a printable
  /// ASCII byte quoted with the token it starts, which runs up to the first of
  /// `delimiters` (the byte alone if there are none), any other byte in hex.
  package func shownToken(delimitedBy delimiters: [UInt8] = []) -> String? {
    guard let byte = peek() else { return nil }
    guard byte >= 0x20 && byte < 0x7F else { return "byte 0x\(String(byte, radix: 16))" }
    var tokenEnd = position + 1
    if !delimiters.isEmpty {
      while tokenEnd < self.end, !delimiters.contains(bytes[tokenEnd]) { tokenEnd += 1 }
    }
    return "'\(DecimalNumber.shown(bytes[position..<tokenEnd]))'"
  }

  @inline(__always)
  package static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }
}
