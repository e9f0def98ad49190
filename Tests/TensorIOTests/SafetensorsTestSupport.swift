import Foundation

@testable import TensorIO

/// A safetensors file assembled by hand from its parts, independently of the writer under test.
///
/// - Parameters:
///   - header: the JSON text, used as is.
///   - data: the data section.
///   - declaredLength: the value of the 8-byte length field; the header's byte count when nil.
func safetensorsBytes(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
  let text = Array(header.utf8)
  let length = declaredLength ?? UInt64(text.count)
  return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + text + data
}

/// The header entry of one tensor, as JSON text.
func tensorEntry(_ name: String, dtype: String = "F32", shape: [Int], offsets: (Int, Int)) -> String {
  let axes = shape.map(String.init).joined(separator: ", ")
  return
    "\"\(name)\": {\"dtype\": \"\(dtype)\", \"shape\": [\(axes)], \"data_offsets\": [\(offsets.0), \(offsets.1)]}"
}

/// The `TensorIOError` description from opening `bytes` as a safetensors file, or nil if it opens.
func safetensorsFailure(_ bytes: [UInt8], name: String = "bad.safetensors") -> String? {
  failure { () throws(TensorIOError) -> SafetensorsFile in try SafetensorsFile(bytes: bytes, name: name) }
}

/// Little-endian bytes of each value's `size` lowest bytes.
func littleEndianBytes(_ values: [UInt64], size: Int) -> [UInt8] {
  values.flatMap { value in (0..<size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
