import Foundation
import Testing

@testable import TensorIO

// Besides these tests, every float of the fast path (exponent bits 63 through
// 151, 746,586,112 values) was once compared against `Float.description`'s
// digits and exponent in a release build: no difference.
@Suite struct ShortestDecimalTests {
  @Test func spellsKnownValues() {
    // The digits are numpy's repr of the float32 (np.float32(x)), the layout the shorter form.
    let expected: [(Float, String)] = [
      (0, "0"), (-0.0, "-0"), (1, "1"), (-1, "-1"), (0.5, "0.5"), (0.1, "0.1"), (1 / 3, "0.33333334"),
      (1e-5, "1e-5"), (0.001, "1e-3"), (0.001234, "0.001234"), (1.234e-4, "1.234e-4"), (123.25, "123.25"),
      (16_777_216, "16777216"), (Float(bitPattern: 1_275_068_416), "33554432"),
      (Float(bitPattern: 528_482_304), "5.421011e-20"), (Float(bitPattern: 528_482_303), "5.4210105e-20"),
      (.greatestFiniteMagnitude, "3.4028235e38"), (-.greatestFiniteMagnitude, "-3.4028235e38"),
      (.leastNonzeroMagnitude, "1e-45"), (.leastNormalMagnitude, "1.1754944e-38"), (1e10, "1e10"),
      (.nan, "NaN"), (.infinity, "Infinity"), (-.infinity, "-Infinity"),
    ]
    for (value, text) in expected {
      #expect(ShortestDecimal.string(value) == text, "\(value)")
    }
  }

  @Test func matchesTheStandardLibraryOnRandomValues() {
    var generator = SeededGenerator(seed: 0x5EED_DEC1)
    var values: [Float] = []
    for _ in 0..<100_000 {
      values.append(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)))
      // Attention weights: most in [0, 1], many small.
      values.append(Float.random(in: 0...1, using: &generator) * Float.random(in: 0...1, using: &generator))
    }
    // Every exponent the fast path takes, its neighbours on either side, and
    // the significands at the ends of each binade.
    for exponentBits: UInt32 in 0...254 {
      for mantissa: UInt32 in [0, 1, 2, 0x40_0000, 0x7F_FFFE, 0x7F_FFFF] {
        values.append(Float(bitPattern: exponentBits << 23 | mantissa))
      }
    }
    for value in values where value.isFinite {
      for signed in [value, -value] {
        let text = ShortestDecimal.string(signed)
        #expect(Float(text)?.bitPattern == signed.bitPattern, "\(text) does not read back as \(signed)")
        #expect(isJSONNumber(text), "\(text)")
        let reference = decimal(of: signed.description)
        #expect(decimal(of: text) == reference, "\(text) against \(signed.description)")
        #expect(text == shorterSpelling(reference), "\(text)")
      }
    }
  }

  @Test func writesNoMoreThanItsMaximumLength() {
    var generator = SeededGenerator(seed: 17)
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: ShortestDecimal.maximumLength + 8)
    defer { buffer.deallocate() }
    for _ in 0..<50_000 {
      let value = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
      buffer.initialize(repeating: 0xAA, count: ShortestDecimal.maximumLength + 8)
      let length = ShortestDecimal.write(value, to: buffer)
      #expect(length <= ShortestDecimal.maximumLength)
      // Nothing past the length is touched.
      #expect((length..<(ShortestDecimal.maximumLength + 8)).allSatisfy { buffer[$0] == 0xAA })
    }
  }
}

/// A decimal as its sign, significant digits (no leading or trailing zeros)
/// and the exponent of the last digit; nil for text that is not a finite number.
private struct DecimalDigits: Equatable {
  var negative: Bool
  var digits: String
  var exponent: Int
}

private func decimal(of text: String) -> DecimalDigits? {
  var rest = Substring(text)
  let negative = rest.hasPrefix("-")
  if negative { rest = rest.dropFirst() }
  var exponent = 0
  if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
    guard let value = Int(rest[rest.index(after: e)...]) else { return nil }
    exponent = value
    rest = rest[..<e]
  }
  var digits = ""
  var seenPoint = false
  for character in rest {
    if character == "." {
      seenPoint = true
    } else if character.isASCII && character.isNumber {
      digits.append(character)
      if seenPoint { exponent -= 1 }
    } else {
      return nil
    }
  }
  while digits.hasPrefix("0") { digits.removeFirst() }
  while digits.hasSuffix("0") {
    digits.removeLast()
    exponent += 1
  }
  if digits.isEmpty { exponent = 0 }
  return DecimalDigits(negative: negative, digits: digits, exponent: exponent)
}

/// The plain spelling (`0.00123`, `1200`) or the exponent one (`1.23e-3`), whichever is shorter,
/// plain on a tie.
private func shorterSpelling(_ decimal: DecimalDigits?) -> String? {
  guard let decimal else { return nil }
  let sign = decimal.negative ? "-" : ""
  let digits = decimal.digits.isEmpty ? "0" : decimal.digits
  let exponent = decimal.exponent
  let plain: String
  if exponent >= 0 {
    plain = digits + String(repeating: "0", count: exponent)
  } else if digits.count + exponent > 0 {
    let point = digits.index(digits.startIndex, offsetBy: digits.count + exponent)
    plain = digits[..<point] + "." + digits[point...]
  } else {
    plain = "0." + String(repeating: "0", count: -(digits.count + exponent)) + digits
  }
  let fraction = digits.dropFirst()
  let scientific =
    String(digits.prefix(1)) + (fraction.isEmpty ? "" : "." + fraction)
    + "e\(exponent + digits.count - 1)"
  return sign + (plain.count <= scientific.count ? plain : scientific)
}

/// RFC 8259's number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
private func isJSONNumber(_ text: String) -> Bool {
  var bytes = Array(text.utf8)[...]
  func digits() -> Int {
    let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
    bytes = bytes.dropFirst(count)
    return count
  }
  if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
  if bytes.first == UInt8(ascii: "0") {
    bytes = bytes.dropFirst()
  } else if digits() == 0 {
    return false
  }
  if bytes.first == UInt8(ascii: ".") {
    bytes = bytes.dropFirst()
    if digits() == 0 { return false }
  }
  if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
    bytes = bytes.dropFirst()
    if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
    if digits() == 0 { return false }
  }
  return bytes.isEmpty
}
