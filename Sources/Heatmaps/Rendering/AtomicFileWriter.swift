#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files so that readers see the old file or the whole new one, never
/// a part: the bytes go to a hidden file in the same folder, which is then
/// renamed over the destination.
enum AtomicFileWriter {
  static func write(_ bytes: [UInt8], to path: String) throws(HeatmapError) {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty else { throw .writeFailed(path: path, reason: "the path names a folder, not a file") }
    let temporary =
      (folder.isEmpty ? "" : folder + "/") + ".\(name).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else {
      throw .writeFailed(path: path, reason: "cannot create a file in '\(folder)': \(errorText())")
    }
    var failure: String?
    bytes.withUnsafeBytes { buffer in
      var written = 0
      while written < buffer.count {
        let result = systemWrite(descriptor, buffer.baseAddress! + written, buffer.count - written)
        if result < 0 {
          if errno == EINTR { continue }
          failure = "cannot write: \(errorText())"
          return
        }
        written += result
      }
    }
    if failure == nil && fsync(descriptor) != 0 { failure = "cannot write: \(errorText())" }
    if close(descriptor) != 0 && failure == nil { failure = "cannot write: \(errorText())" }
    if failure == nil && rename(temporary, path) != 0 { failure = "cannot replace the file: \(errorText())" }
    if let failure {
      unlink(temporary)
      throw .writeFailed(path: path, reason: failure)
    }
  }

  private static func errorText() -> String {
    String(cString: strerror(errno))
  }
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
  #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
  #else
    Darwin.write(descriptor, bytes, count)
  #endif
}
