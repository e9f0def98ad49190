/// A contiguous range of another source, such as one stored member of an archive.
struct SliceSource: ByteSource {
  let base: any ByteSource
  let offset: Int
  let size: Int

  /// - Precondition: the range lies inside `base`.
  init(base: any ByteSource, offset: Int, size: Int) {
    precondition(offset >= 0 && size >= 0 && offset <= base.size && size <= base.size - offset)
    self.base = base
    self.offset = offset
    self.size = size
  }

  func copy(into buffer: UnsafeMutableRawBufferPointer, from start: Int) throws(Problem) {
    precondition(start >= 0 && buffer.count <= size - start)
    try base.copy(into: buffer, from: offset + start)
  }
}
