import Foundation
import TensorIO

/// The committed fixture written by scripts/reference/gguf_fixtures.py with llama.cpp's GGUFWriter.
func ggufFixtureBytes() throws -> [UInt8] {
  try fixtureBytes("fixture.gguf")
}

/// The `TensorIOError` description from opening `bytes` as a GGUF file, or nil if it opens.
func ggufFailure(_ bytes: [UInt8], name: String = "bad.gguf") -> String? {
  failure { () throws(TensorIOError) -> GGUFFile in try GGUFFile(bytes: bytes, name: name) }
}

/// Edits of a GGUF file's bytes at fields found by the strings before them, independently of the reader.
struct GGUFBytes {
  var bytes: [UInt8]

  /// Where the bytes of the length-prefixed string `text` end (its first occurrence, as GGUF writes it).
  func end(ofString text: String) -> Int {
    let needle = littleEndianBytes([UInt64(text.utf8.count)], size: 8) + Array(text.utf8)
    for start in 0...(bytes.count - needle.count)
    where bytes[start..<start + needle.count].elementsEqual(needle) {
      return start + needle.count
    }
    fatalError("\"\(text)\" is not in the file")
  }

  /// Where the length field of the string `text` starts.
  func start(ofString text: String) -> Int {
    end(ofString: text) - text.utf8.count - 8
  }

  func uint64(at offset: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
  }

  mutating func set(_ value: UInt64, at offset: Int, size: Int) {
    for index in 0..<size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
  }

  /// Where tensor `name`'s dimension count starts; its dimensions, type and offset follow.
  func tensorFields(_ name: String) -> (dimensionCount: Int, dimensions: Int, type: Int, offset: Int) {
    let count = end(ofString: name)
    let rank = Int(uint64(at: count) & 0xFFFF_FFFF)
    return (count, count + 4, count + 4 + 8 * rank, count + 8 + 8 * rank)
  }
}
