/// A file that could not be read or written as a tensor.
///
/// The description is one line that names the file and the problem, e.g.
/// `eye.npy: truncated: header says 400 bytes of data, file has 120`.
public struct TensorIOError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The path as the caller gave it (or a name for in-memory data).
  public var path: String
  /// What is wrong, without the file name.
  public var reason: String

  /// Creates an error about the file at `path`.
  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  /// The last component of `path`, which is what a person needs to recognise the file.
  public var fileName: String {
    let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
    return String(trimmed[trimmed.index(after: slash)...])
  }

  public var description: String { "\(fileName): \(reason)" }
}
