import Hummingbird

extension Response {
  /// This response with `done` called once its body has been written to the
  /// end, or has failed to be. A body dropped unwritten never calls `done`;
  /// whatever `done` captures is released with it then.
  func afterBody(_ done: @escaping @Sendable () -> Void) -> Response {
    var response = self
    let body = self.body
    response.body = ResponseBody(contentLength: body.contentLength) { writer in
      defer { done() }
      try await body.write(writer)
    }
    return response
  }
}
