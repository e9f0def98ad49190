import Hummingbird

/// A request the server refuses, answered as `{"error": description}` with
/// `status`.
struct ServeError: Error, CustomStringConvertible {
  let status: HTTPResponse.Status
  let description: String
  /// Whether the connection ends after the answer, because the rest of the
  /// request is left unread.
  let closesConnection: Bool

  init(status: HTTPResponse.Status, _ description: String, closesConnection: Bool = false) {
    self.status = status
    self.description = description
    self.closesConnection = closesConnection
  }
}
