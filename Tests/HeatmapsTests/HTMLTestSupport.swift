import CZlib
import Foundation
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// The text of an HTML figure, the JSON object embedded in it, and its cells
/// decoded the way the page's script decodes them.
struct HTMLFigureFile {
  let text: String
  let data: [String: Any]
  /// The raw text between the data script's tags.
  let rawData: String

  init(_ bytes: [UInt8]) throws {
    text = String(decoding: bytes, as: UTF8.self)
    let open = #"<script type="application/json" id="figure-data">"#
    let start = try #require(text.range(of: open))
    let end = try #require(text.range(of: "</script>", range: start.upperBound..<text.endIndex))
    rawData = String(text[start.upperBound..<end.lowerBound])
    data = try #require(try JSONSerialization.jsonObject(with: Data(rawData.utf8)) as? [String: Any])
  }

  /// The number of cells of the grid, `R · C · H · W`.
  var cellCount: Int {
    get throws { try #require(data["grid"] as? [Int]).reduce(1, *) }
  }

  /// The embedded decimal values of a small figure; NaN for `null`.
  func decimalValues() throws -> [Float] {
    #expect(data["encoding"] as? String == "json")
    let list = try #require(data["values"] as? [Any])
    return list.map { ($0 as? NSNumber)?.floatValue ?? .nan }
  }

  /// Every cell's colormap index: base64, inflated, byte planes joined.
  func colorIndices() throws -> [Int] {
    let planeCount = try #require(data["colorPlanes"] as? Int)
    let count = try cellCount
    let bytes = try inflated(try #require(data["colors"] as? String), count: planeCount * count)
    return (0..<count).map { cell in
      (0..<planeCount).reduce(0) { index, plane in index << 8 | Int(bytes[plane * count + cell]) }
    }
  }

  /// The fixed-point codes of a large figure, high-byte plane then low.
  func fixedPointCodes() throws -> [UInt16] {
    #expect(data["encoding"] as? String == "fixed16")
    let count = try cellCount
    let bytes = try inflated(try #require(data["values"] as? String), count: 2 * count)
    return (0..<count).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[count + $0]) }
  }

  /// The tooltip texts of a large figure, as the page writes them: code c is
  /// n = c + offset, shown as n / 10^decimals with `decimals` digits, which
  /// is n's digits with a decimal point put in (or zeros appended for
  /// negative decimals); nil for missing cells.
  func fixedPointTexts() throws -> [String?] {
    let decimals = try #require(data["decimals"] as? Int)
    let offset = try #require(data["offset"] as? Int)
    return try fixedPointCodes().map { code in
      code == 0xFFFF ? nil : fixedPointText(code: code, offset: offset, decimals: decimals)
    }
  }
}

/// What the page shows for a code: `(code + offset) / 10^decimals` with
/// `toFixed(decimals)`, or the integer followed by -decimals zeros.
func fixedPointText(code: UInt16, offset: Int, decimals: Int) -> String {
  let n = Int(code) + offset
  if decimals <= 0 { return n == 0 ? "0" : String(n) + String(repeating: "0", count: -decimals) }
  var digits = String(n.magnitude)
  if digits.count <= decimals { digits = String(repeating: "0", count: decimals + 1 - digits.count) + digits }
  let split = digits.index(digits.endIndex, offsetBy: -decimals)
  return (n < 0 ? "-" : "") + digits[..<split] + "." + digits[split...]
}

/// Base64 of zlib data, inflated; the result must be `count` bytes long.
func inflated(_ base64: String, count: Int) throws -> [UInt8] {
  let compressed = try #require(Data(base64Encoded: base64))
  var output = [UInt8](repeating: 0, count: count + 1)
  var length = uLongf(output.count)
  let status = compressed.withUnsafeBytes { source in
    output.withUnsafeMutableBufferPointer { destination in
      uncompress(
        destination.baseAddress, &length, source.bindMemory(to: UInt8.self).baseAddress,
        uLong(compressed.count))
    }
  }
  #expect(status == Z_OK, "zlib uncompress status \(status)")
  #expect(Int(length) == count, "\(length) bytes inflated, \(count) expected")
  return Array(output.prefix(Int(length)))
}

/// `printf("%.{decimals}f")` of a float, as C writes it; for negative
/// decimals the exact value rounded, ties to even, to a multiple of
/// 10^-decimals. A negative value that rounds to zero loses its sign, as
/// the page cannot tell it from a positive one.
func referenceText(_ value: Float, decimals: Int) -> String {
  var text: String
  if decimals >= 0 {
    text = cFormat("%.\(decimals)f", Double(value))
  } else {
    // Every float32 is a finite binary fraction: 150 decimals write it exactly.
    let exact = cFormat("%.150f", Double(value.magnitude))
    let integer = Array(exact.prefix(while: { $0 != "." }))
    let fraction = exact.drop(while: { $0 != "." }).dropFirst()
    let dropped = -decimals
    var kept = integer.count > dropped ? Array(integer.prefix(integer.count - dropped)) : []
    let rest = Array(integer.suffix(min(dropped, integer.count)))
    let restDigits = String(repeating: "0", count: dropped - rest.count) + String(rest) + fraction
    // Round half to even on the digits cut off.
    let first = restDigits.first!
    let beyondHalf = restDigits.dropFirst().contains { $0 != "0" }
    let lastKeptOdd = (kept.last.map { Int(String($0))! } ?? 0) % 2 == 1
    if first > "5" || (first == "5" && (beyondHalf || lastKeptOdd)) {
      var index = kept.count - 1
      while index >= 0 && kept[index] == "9" {
        kept[index] = "0"
        index -= 1
      }
      if index >= 0 {
        kept[index] = Character(String(Int(String(kept[index]))! + 1))
      } else {
        kept.insert("1", at: 0)
      }
    }
    let digits = String(kept.drop(while: { $0 == "0" }))
    text = digits.isEmpty ? "0" : (value < 0 ? "-" : "") + digits + String(repeating: "0", count: dropped)
  }
  if text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { text.removeFirst() }
  return text
}
