/// Why some bytes are not a valid tensor, before the file's name is attached.
///
/// Readers and writers inside the module throw this; the public entry points
/// turn it into a `TensorIOError` that names the file.
struct Problem: Error, Sendable {
  var reason: String

  init(_ reason: String) {
    self.reason = reason
  }

  /// The same problem, said of one member of an archive.
  func inMember(_ name: String) -> Problem {
    Problem("member \"\(name)\": \(reason)")
  }

  func at(path: String) -> TensorIOError {
    TensorIOError(path: path, reason: reason)
  }
}
