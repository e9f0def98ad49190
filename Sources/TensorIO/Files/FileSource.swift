#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A regular file opened for reading with `pread`, so only the ranges a reader asks for are loaded.
final class FileSource: ByteSource {
  let size: Int
  private let descriptor: Int32

  /// Opens `path`, refusing anything that is not a regular file.
  init(path: String) throws(Problem) {
    // O_NONBLOCK keeps a FIFO from blocking the open; it is rejected just below.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw Problem(FileSource.describe(errno: errno)) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let code = errno
      close(descriptor)
      throw Problem(FileSource.describe(errno: code))
    }
    let kind = status.st_mode & S_IFMT
    guard kind == S_IFREG else {
      close(descriptor)
      throw Problem(kind == S_IFDIR ? "is a directory, not a file" : "not a regular file")
    }
    self.descriptor = descriptor
    self.size = Int(status.st_size)
  }

  deinit {
    close(descriptor)
  }

  func copy(into buffer: UnsafeMutableRawBufferPointer, from offset: Int) throws(Problem) {
    precondition(offset >= 0 && buffer.count <= size - offset)
    var done = 0
    while done < buffer.count {
      let base = buffer.baseAddress! + done
      let got = pread(descriptor, base, buffer.count - done, off_t(offset + done))
      if got < 0 {
        if errno == EINTR { continue }
        throw Problem("read failed: \(FileSource.describe(errno: errno))")
      }
      if got == 0 {
        throw Problem("file shrank while it was read (\(offset + done) of \(size) bytes)")
      }
      done += got
    }
  }

  /// A short, lower-case phrase for an `errno` from opening or reading a file.
  static func describe(errno code: Int32) -> String {
    switch code {
    case ENOENT: return "no such file"
    case EACCES, EPERM: return "permission denied"
    case EISDIR: return "is a directory, not a file"
    case ENOTDIR: return "a component of the path is not a directory"
    case ENOSPC: return "no space left on device"
    case EROFS: return "read-only file system"
    default: return String(cString: strerror(code)).lowercased()
    }
  }
}
