/// A tokenizer that could not be loaded, or a text it could not encode.
///
/// The description is one line that names the file or folder, when there is
/// one, and the problem, e.g. `model/vocab.txt: no [CLS] token`.
public struct TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file or folder the problem is about, as the caller gave it; `nil`
  /// for a problem with the text itself.
  public var path: String?
  /// What is wrong, without the path.
  public var reason: String

  /// Creates an error about the file or folder at `path`, or about the input
  /// text when `path` is `nil`.
  public init(path: String?, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String {
    guard let path else { return reason }
    return "\(path): \(reason)"
  }
}
