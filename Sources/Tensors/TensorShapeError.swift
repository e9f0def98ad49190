/// Two tensors whose shapes do not fit the operation, named in one sentence.
public struct TensorShapeError: Error, CustomStringConvertible, Equatable, Sendable {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }
}
