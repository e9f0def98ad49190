/// A destination for encoded bytes: a buffer in memory or a file being written.
protocol ByteSink {
  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(Problem)
}

extension ByteSink {
  mutating func write(_ bytes: [UInt8]) throws(Problem) {
    var failure: Problem?
    bytes.withUnsafeBytes { raw in
      do throws(Problem) {
        try write(raw)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  mutating func write(_ text: String) throws(Problem) {
    try write(Array(text.utf8))
  }

  /// Writes `scalars` as little-endian IEEE 754 single-precision values.
  mutating func writeLittleEndian(_ scalars: [Float]) throws(Problem) {
    var failure: Problem?
    #if _endian(little)
      scalars.withUnsafeBytes { raw in
        do throws(Problem) {
          try write(raw)
        } catch {
          failure = error
        }
      }
    #else
      let swapped = scalars.map { $0.bitPattern.littleEndian }
      swapped.withUnsafeBytes { raw in
        do throws(Problem) {
          try write(raw)
        } catch {
          failure = error
        }
      }
    #endif
    if let failure { throw failure }
  }
}

/// Collects written bytes in memory.
struct MemorySink: ByteSink {
  var contents: [UInt8] = []

  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(Problem) {
    contents.append(contentsOf: bytes)
  }
}
