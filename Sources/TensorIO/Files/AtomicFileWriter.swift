#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes a file through a temporary file in the same folder that is renamed over the destination
/// only once every byte is on disk, so a failure never leaves a half-written file behind.
package struct AtomicFileWriter: ByteSink {
  private let descriptor: Int32
  private let temporaryPath: String
  private var pending: [UInt8] = []
  private static let bufferSize = 1 << 20

  /// Writes `bytes` as the new contents of `path`.
  ///
  /// - Throws: `TensorIOError` naming `path`.
  package static func write(_ bytes: [UInt8], to path: String) throws(TensorIOError) {
    do throws(Problem) {
      try write(to: path) { (sink: inout AtomicFileWriter) throws(Problem) in try sink.write(bytes) }
    } catch {
      throw error.at(path: path)
    }
  }

  /// Runs `body` with a sink for the new contents of `path`, then publishes them.
  static func write(
    to path: String, _ body: (inout AtomicFileWriter) throws(Problem) -> Void
  ) throws(Problem) {
    var writer = try AtomicFileWriter(destination: path)
    do throws(Problem) {
      try body(&writer)
      try writer.flush()
      guard fsync(writer.descriptor) == 0 else {
        throw Problem("write failed: \(FileSource.describe(errno: errno))")
      }
    } catch {
      writer.discard()
      throw error
    }
    close(writer.descriptor)
    guard rename(writer.temporaryPath, path) == 0 else {
      let code = errno
      unlink(writer.temporaryPath)
      throw Problem(FileSource.describe(errno: code))
    }
  }

  private init(destination path: String) throws(Problem) {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty else { throw Problem("is a directory, not a file") }
    var attempts = 0
    while true {
      // The name is random so that concurrent writers of the same file never share a temporary.
      let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
      let candidate = "\(folder).\(name).\(token).tmp"
      // 0o666 lets the process umask decide the permissions, as for any newly created file.
      let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
      if descriptor >= 0 {
        self.descriptor = descriptor
        self.temporaryPath = candidate
        return
      }
      let code = errno
      attempts += 1
      if code == EEXIST && attempts < 8 { continue }
      if code == ENOENT {
        let shown = folder.count > 1 ? String(folder.dropLast()) : folder
        throw Problem("no such folder \"\(shown)\"")
      }
      throw Problem(FileSource.describe(errno: code))
    }
  }

  mutating func write(_ bytes: UnsafeRawBufferPointer) throws(Problem) {
    if pending.count + bytes.count > AtomicFileWriter.bufferSize {
      try flush()
    }
    if bytes.count >= AtomicFileWriter.bufferSize {
      try writeAll(bytes)
    } else {
      pending.append(contentsOf: bytes)
    }
  }

  private mutating func flush() throws(Problem) {
    guard !pending.isEmpty else { return }
    var failure: Problem?
    pending.withUnsafeBytes { raw in
      do throws(Problem) {
        try writeAll(raw)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    pending.removeAll(keepingCapacity: true)
  }

  private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(Problem) {
    var done = 0
    while done < bytes.count {
      let wrote = writeToDescriptor(descriptor, bytes.baseAddress! + done, bytes.count - done)
      if wrote < 0 {
        if errno == EINTR { continue }
        throw Problem("write failed: \(FileSource.describe(errno: errno))")
      }
      done += wrote
    }
  }

  private func discard() {
    close(descriptor)
    unlink(temporaryPath)
  }
}

/// `write(2)`, under a name that the sink's own `write` method does not shadow.
private func writeToDescriptor(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  write(descriptor, bytes, count)
}
