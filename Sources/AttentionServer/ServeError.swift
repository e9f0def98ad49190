import Hummingbird

/// A request the server refuses, answered as `{"error": description}` with
/// `status`.
struct ServeError: Error, CustomStringConvertible {
  let status: HTTPResponse.Status
  let description: String
  /// Whether the connection ends after the answer, because the rest of the
  /// request is left unread.
  let closesConnection: Bool

  /// Seconds after which the same request may succeed, for a 503.
  let retryAfter: Int?

  init(
    status: HTTPResponse.Status, _ description: String, closesConnection: Bool = false, retryAfter: Int? = nil
  ) {
    self.status = status
    self.description = description
    self.closesConnection = closesConnection
    self.retryAfter = retryAfter
  }
}
