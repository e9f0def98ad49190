/// Random access to the bytes of a file or a buffer whose size is known up front.
///
/// Readers check every offset and length they take from a header against
/// `size` before they allocate, so a hostile header cannot make them reserve
/// more memory than the input really has.
protocol ByteSource {
  /// The number of bytes available.
  var size: Int { get }

  /// Fills `buffer` with the bytes starting at `offset`.
  ///
  /// - Precondition: `offset + buffer.count <= size`.
  func copy(into buffer: UnsafeMutableRawBufferPointer, from offset: Int) throws(Problem)
}

extension ByteSource {
  /// The `count` bytes starting at `offset`, or a "truncated" problem if the input is shorter.
  func bytes(at offset: Int, count: Int) throws(Problem) -> [UInt8] {
    guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
      throw Problem("truncated: needs \(count) bytes at offset \(offset), input has \(size)")
    }
    var result = [UInt8](repeating: 0, count: count)
    var failure: Problem?
    result.withUnsafeMutableBytes { buffer in
      do throws(Problem) {
        try copy(into: buffer, from: offset)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return result
  }
}

/// Bytes already in memory.
struct MemorySource: ByteSource {
  var contents: [UInt8]

  var size: Int { contents.count }

  func copy(into buffer: UnsafeMutableRawBufferPointer, from offset: Int) throws(Problem) {
    precondition(offset >= 0 && buffer.count <= contents.count - offset)
    contents.withUnsafeBytes { source in
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + buffer.count]))
    }
  }
}
