#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Read-only bytes that stay valid for the object's lifetime: a file mapped
/// with `mmap`, or a private copy of bytes given in memory.
///
/// A mapping reads pages only when they are touched, so opening a 90 MB model
/// costs the header, and each tensor costs its own bytes. The usual caveat of
/// `mmap` holds: if another process truncates the file while it is mapped,
/// touching the lost pages raises `SIGBUS`; model files are not rewritten in
/// place (writers here rename a new file over the old one, which is safe).
final class MappedBytes: @unchecked Sendable {
  /// The bytes; never written to.
  let bytes: UnsafeRawBufferPointer
  private let isMapped: Bool

  /// Maps the regular file at `path`.
  init(path: String) throws(Problem) {
    // O_NONBLOCK keeps a FIFO from blocking the open; it is rejected just below.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw Problem(FileSource.describe(errno: errno)) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw Problem(FileSource.describe(errno: errno)) }
    let kind = status.st_mode & S_IFMT
    guard kind == S_IFREG else {
      throw Problem(kind == S_IFDIR ? "is a directory, not a file" : "not a regular file")
    }
    let size = Int(status.st_size)
    isMapped = size > 0
    guard size > 0 else {
      // mmap refuses a length of 0; an empty file is still a valid input to reject later.
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
      throw Problem("could not map the file: \(FileSource.describe(errno: errno))")
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  /// Copies `contents`, so the caller's array may change or go away.
  init(copying contents: [UInt8]) {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 16)
    contents.withUnsafeBytes { buffer.copyMemory(from: $0) }
    bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: contents.count)
    isMapped = false
  }

  /// Gives back the resident pages that lie wholly inside `range`, when the
  /// bytes are a mapping: after a caller has copied those bytes elsewhere,
  /// they stop counting twice. The bytes stay readable; touching them again
  /// reads them from the file.
  func releasePages(in range: Range<Int>) {
    guard isMapped, range.lowerBound >= 0, range.upperBound <= bytes.count else { return }
    advisePages(
      inside: UnsafeRawBufferPointer(rebasing: bytes[range]), pageSize: Int(sysconf(Int32(_SC_PAGESIZE))),
      advice: Int32(MADV_DONTNEED))
  }

  deinit {
    guard let base = bytes.baseAddress else { return }
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
    } else {
      base.deallocate()
    }
  }
}

/// `madvise(advice)` over the pages of `pageSize` bytes that lie wholly
/// inside `bytes`, so that no byte outside them is touched; nothing when
/// no whole page fits.
package func advisePages(inside bytes: UnsafeRawBufferPointer, pageSize: Int, advice: Int32) {
  guard let base = bytes.baseAddress, pageSize > 0 else { return }
  let start = (Int(bitPattern: base) + pageSize - 1) / pageSize * pageSize
  let end = (Int(bitPattern: base) + bytes.count) / pageSize * pageSize
  guard end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
  _ = madvise(address, end - start, advice)
}
