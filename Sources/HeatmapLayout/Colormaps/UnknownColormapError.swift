/// A colormap name that isn't one of the built-in maps.
public struct UnknownColormapError: Error, CustomStringConvertible, Equatable {
  /// The name as given.
  public let name: String
  /// The names that would have been accepted.
  public let knownNames: [String]

  public init(name: String, knownNames: [String]) {
    self.name = name
    self.knownNames = knownNames
  }

  public var description: String {
    "unknown colormap \"\(name)\"; known: \(knownNames.joined(separator: ", "))"
  }
}
