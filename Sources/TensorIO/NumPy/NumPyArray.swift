import Tensors

/// Reads and writes single arrays in NumPy's `.npy` format.
enum NumPyArray {
  /// Decodes the `.npy` bytes of `source` into a `Float` tensor.
  ///
  /// Every size is checked against `source.size` before anything sized from
  /// the header is allocated.
  static func read(from source: ByteSource) throws(Problem) -> Tensor {
    let header = try readHeader(from: source)
    let scalars = try readScalars(from: source, header: header)
    return Tensor(shape: header.shape, scalars: scalars)
  }

  static func readHeader(from source: ByteSource) throws(Problem) -> NumPyHeader {
    let prefix = try source.bytes(at: 0, count: min(12, source.size))
    let headerLength = try NumPyHeader.length(prefix: prefix, totalSize: source.size)
    let headerBytes = try source.bytes(at: 0, count: headerLength)
    return try NumPyHeader.parse(headerBytes, totalSize: source.size)
  }

  /// Converts the data that follows `header` to `Float`, a bounded chunk at a time.
  static func readScalars(from source: ByteSource, header: NumPyHeader) throws(Problem) -> [Float] {
    let itemSize = header.dtype.itemSize
    let count = header.dataByteCount / itemSize
    let chunkElements = max(1, (1 << 20) / itemSize)
    var chunk = [UInt8](
      repeating: 0, count: header.dtype == .float32 ? 0 : min(count, chunkElements) * itemSize)
    var failure: Problem?
    let scalars = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      var done = 0
      #if _endian(little)
        // float32 on a little-endian machine needs no conversion: read straight into the result.
        if header.dtype == .float32 {
          do throws(Problem) {
            try source.copy(into: UnsafeMutableRawBufferPointer(output), from: header.dataOffset)
            done = count
          } catch {
            failure = error
          }
        }
      #endif
      while done < count && failure == nil {
        let elements = min(chunkElements, count - done)
        let offset = header.dataOffset + done * itemSize
        chunk.withUnsafeMutableBytes { raw in
          do throws(Problem) {
            try source.copy(
              into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<elements * itemSize]), from: offset)
          } catch {
            failure = error
          }
        }
        if failure != nil { break }
        chunk.withUnsafeBytes { raw in
          header.dtype.decode(raw, count: elements, into: output.baseAddress! + done)
        }
        done += elements
      }
      // A failed read leaves the rest uninitialised, which is harmless for a trivial type like Float.
      initialized = failure == nil ? count : 0
    }
    if let failure { throw failure }
    return scalars
  }

  /// IEEE 754 binary16 to binary32, exact (every half value is a float value).
  ///
  /// Done by hand because `Float16` is unavailable on some platforms Swift runs on (Intel macOS).
  static func halfToFloat(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 == 0 ? 1 : -1
    let exponent = Int(bits >> 10 & 0x1F)
    let fraction = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      // Zero or subnormal: fraction × 2^-24.
      return sign * Float(fraction) * 0x1p-24
    case 0x1F:
      let bits32 = UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | fraction << 13
      return Float(bitPattern: bits32)
    default:
      let bits32 = UInt32(bits & 0x8000) << 16 | UInt32(exponent + 112) << 23 | fraction << 13
      return Float(bitPattern: bits32)
    }
  }

  /// Writes `tensor` exactly as `np.save` writes a C-ordered float32 array.
  static func write<Sink: ByteSink>(_ tensor: Tensor, to sink: inout Sink) throws(Problem) {
    try sink.write(NumPyHeader.encode(shape: tensor.shape, dtype: .float32))
    try sink.writeLittleEndian(tensor.scalars)
  }

  /// The `.npy` bytes of `tensor`.
  static func encode(_ tensor: Tensor) -> [UInt8] {
    var sink = MemorySink()
    // A memory sink cannot fail.
    try! write(tensor, to: &sink)
    return sink.contents
  }
}
