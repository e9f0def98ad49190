/// An argument an attention operation cannot work with.
///
/// The `description` is one sentence naming the arguments, their shapes and
/// what is wrong, e.g. "queries [2, 3, 4] and keys [2, 5, 3] disagree on D
/// (4 vs 3)".
public struct AttentionError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What kind of argument was wrong.
  public enum Kind: Sendable, Equatable {
    /// A tensor has the wrong rank, or two tensors disagree on an axis.
    case shapeMismatch
    /// Valid lengths of the wrong count, or outside `0...Lk`.
    case invalidValidLengths
    /// Another argument is out of its domain.
    case invalidArgument
  }

  /// What kind of argument was wrong.
  public let kind: Kind
  /// A readable explanation that names the offending shapes or values.
  public let description: String

  /// Creates an error of the given kind with its explanation.
  public init(_ kind: Kind, _ description: String) {
    self.kind = kind
    self.description = description
  }

  static func shapeMismatch(_ description: String) -> AttentionError {
    AttentionError(.shapeMismatch, description)
  }

  static func invalidValidLengths(_ description: String) -> AttentionError {
    AttentionError(.invalidValidLengths, description)
  }

  static func invalidArgument(_ description: String) -> AttentionError {
    AttentionError(.invalidArgument, description)
  }
}
