import Hummingbird

/// A request the server refuses, answered as `{"error": description}` with
/// `status`.
struct ServeError: Error, CustomStringConvertible {
  let status: HTTPResponse.Status
  let description: String

  init(status: HTTPResponse.Status, _ description: String) {
    self.status = status
    self.description = description
  }
}
