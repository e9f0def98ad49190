import CZlib

/// Compresses bytes into the zlib format (RFC 1950), which PNG's `IDAT` and
/// the browser's `DecompressionStream("deflate")` read.
package enum Deflater {
  /// `bytes` compressed at zlib's `level` (1 fastest … 9 smallest); `nil`
  /// only if zlib runs out of memory.
  package static func compressed(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
    var length = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(length))
    let status = bytes.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { destination in
        compress2(destination.baseAddress, &length, source.baseAddress, uLong(source.count), level)
      }
    }
    // compressBound gives the room, so compress2 fails only for want of memory.
    guard status == Z_OK else { return nil }
    output.removeSubrange(Int(length)...)
    return output
  }
}
