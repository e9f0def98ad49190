import CZlib

/// Decompresses a raw deflate stream (no zlib or gzip wrapper), as ZIP stores it, with zlib.
///
/// Output is produced on demand and never past a limit the caller sets, so
/// a stream that expands beyond what its archive declares is caught before
/// it can use the memory.
final class RawInflater {
  private let stream: UnsafeMutablePointer<z_stream>
  private let input: UnsafeMutableBufferPointer<UInt8>
  private var chunk = [UInt8](repeating: 0, count: 1 << 16)
  /// Whether the deflate stream's final block has been decoded.
  private(set) var finished = false

  init(compressed: [UInt8]) throws(Problem) {
    input = .allocate(capacity: max(1, compressed.count))
    _ = input.initialize(from: compressed)
    // zlib keeps a pointer back to the stream, so it lives at a fixed address.
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    stream.pointee.next_in = input.baseAddress
    stream.pointee.avail_in = UInt32(compressed.count)
    // Negative window bits select a raw deflate stream.
    let status = inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      stream.deinitialize(count: 1)
      stream.deallocate()
      input.deallocate()
      throw Problem("cannot start decompression (zlib status \(status))")
    }
  }

  deinit {
    inflateEnd(stream)
    stream.deinitialize(count: 1)
    stream.deallocate()
    input.deallocate()
  }

  /// Appends decompressed bytes to `output` until it holds `limit` bytes or the stream ends.
  func inflate(into output: inout [UInt8], upTo limit: Int) throws(Problem) {
    while output.count < limit && !finished {
      let want = min(chunk.count, limit - output.count)
      var status: Int32 = Z_OK
      let produced = chunk.withUnsafeMutableBufferPointer { buffer in
        stream.pointee.next_out = buffer.baseAddress
        stream.pointee.avail_out = UInt32(want)
        status = CZlib.inflate(stream, Z_NO_FLUSH)
        return want - Int(stream.pointee.avail_out)
      }
      output.append(contentsOf: chunk[0..<produced])
      switch status {
      case Z_STREAM_END:
        finished = true
      case Z_OK:
        break
      case Z_BUF_ERROR where produced == 0:
        throw Problem("compressed data ends early")
      case Z_BUF_ERROR:
        break
      case Z_DATA_ERROR:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
        throw Problem("corrupt deflate data (\(message))")
      case Z_MEM_ERROR:
        throw Problem("out of memory while decompressing")
      default:
        throw Problem("decompression failed (zlib status \(status))")
      }
    }
  }

  /// Whether the stream would produce more output past what has been taken so far.
  func hasMoreOutput() throws(Problem) -> Bool {
    guard !finished else { return false }
    var probe: [UInt8] = []
    try inflate(into: &probe, upTo: 1)
    return !probe.isEmpty
  }
}

/// The CRC-32 that ZIP records for each member.
func zipCRC32(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
  var crc = UInt(previous)
  var offset = 0
  // zlib's crc32 takes a 32-bit length.
  while offset < bytes.count {
    let length = min(bytes.count - offset, 1 << 30)
    crc = CZlib.crc32(crc, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, UInt32(length))
    offset += length
  }
  return UInt32(crc)
}
