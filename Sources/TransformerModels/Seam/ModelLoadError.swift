/// A file or folder that no model family here can load, and why.
///
/// The description is one line that names the file and the problem, e.g.
/// `model/config.json: model_type "t5" is not run here; we run: bert, llama, qwen2, gpt2`.
public struct ModelLoadError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file or folder at fault, as the caller gave it.
  public var path: String
  /// What is wrong, without the path.
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "\(path): \(reason)" }
}
