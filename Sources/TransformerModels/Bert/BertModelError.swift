/// A BERT model that could not be loaded, or an input it cannot encode.
///
/// The description is one line that names the file, when there is one, and
/// the problem, e.g. `config.json: model_type "gpt2" is not run here; we run: bert`.
public struct BertModelError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file or folder the problem is about, as the caller gave it; `nil`
  /// for a problem with the input tokens.
  public var path: String?
  /// What is wrong, without the path.
  public var reason: String

  /// Creates an error about the file or folder at `path`, or about the input when `path` is `nil`.
  public init(path: String?, reason: String) {
    self.path = path
    self.reason = reason
  }

  /// The last component of `path`, which is what a person needs to recognise the file.
  public var fileName: String? {
    guard let path else { return nil }
    let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
    return String(trimmed[trimmed.index(after: slash)...])
  }

  public var description: String {
    guard let fileName else { return reason }
    return "\(fileName): \(reason)"
  }
}
