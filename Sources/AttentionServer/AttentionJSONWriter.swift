import AttentionCore
import Hummingbird
import TensorIO

/// `{"tokens": [..], "attentions": [[[[..]]]]}`, written a piece at a time so
/// that an answer of millions of numbers is never held whole.
///
/// The attentions are nested as their shape, `[layers, heads, L, L]`; each
/// number is the shortest decimal that reads back as the same float32
/// (`ShortestDecimal`), so the answer equals `attn model --npy` exactly.
struct AttentionJSONWriter: Sendable {
  private let head: [UInt8]
  private let attentions: Tensor
  /// The numbers of one innermost row, and how many rows there are.
  private let rowLength: Int
  private let rowCount: Int
  private var nextRow = 0
  private var wroteHead = false

  /// The most bytes one row takes: its numbers, separators and every bracket.
  var largestRow: Int { rowLength * (ShortestDecimal.maximumLength + 1) + 2 * attentions.rank + 2 }

  /// - Parameters:
  ///   - tokens: `[L]`.
  ///   - attentions: `[layers, heads, L, L]`.
  /// - Throws: `ServeError` (500) if an attention is NaN or infinite, which JSON cannot write.
  init(tokens: [String], attentions: Tensor) throws {
    guard attentions.scalars.allSatisfy(\.isFinite) else {
      throw ServeError(
        status: .internalServerError,
        "the attentions \(attentions.shape) hold NaN or infinity, which JSON cannot hold")
    }
    var head = "{\"tokens\":["
    for (index, token) in tokens.enumerated() {
      if index > 0 { head += "," }
      appendJSONString(token, to: &head)
    }
    head += "],\"attentions\":"
    self.head = Array(head.utf8)
    self.attentions = attentions
    rowLength = attentions.shape.last ?? 1
    rowCount = attentions.count / max(rowLength, 1)
  }

  /// Appends the next rows to `buffer` until it holds at least `bytes` bytes
  /// or the text is complete.
  ///
  /// - Returns: whether there is more to write.
  mutating func fill(_ buffer: inout ByteBuffer, upTo bytes: Int) -> Bool {
    if !wroteHead {
      buffer.writeBytes(head)
      wroteHead = true
    }
    let shape = attentions.shape
    let rowLength = self.rowLength
    let largestRow = self.largestRow
    attentions.scalars.withUnsafeBufferPointer { scalars in
      while nextRow < rowCount && buffer.readableBytes < bytes {
        let row = nextRow
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: largestRow) { raw in
          let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
          var output = start
          func put(_ byte: UInt8) {
            output.pointee = byte
            output += 1
          }
          // The row opens one bracket, and one more for each enclosing axis it
          // is the first of; it closes likewise for each it is the last of.
          if row > 0 { put(UInt8(ascii: ",")) }
          var opened = 1
          var closed = 1
          var outer = row
          for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            let index = outer % shape[axis]
            outer /= shape[axis]
            if index == 0 && opened == shape.count - 1 - axis { opened += 1 }
            if index == shape[axis] - 1 && closed == shape.count - 1 - axis { closed += 1 }
          }
          for _ in 0..<opened { put(UInt8(ascii: "[")) }
          let first = row * rowLength
          for column in 0..<rowLength {
            if column > 0 { put(UInt8(ascii: ",")) }
            output += ShortestDecimal.write(scalars[first + column], to: output)
          }
          for _ in 0..<closed { put(UInt8(ascii: "]")) }
          return output - start
        }
        nextRow += 1
      }
    }
    if nextRow == rowCount {
      buffer.writeInteger(UInt8(ascii: "}"))
      return false
    }
    return true
  }
}
