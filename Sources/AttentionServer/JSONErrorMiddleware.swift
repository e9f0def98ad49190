import Hummingbird

/// Answers every failure as JSON, `{"error": ".."}`: the refusals of the
/// routes, Hummingbird's own (404 for a path no route has, 405, …) and, as a
/// 500, anything else. Every 5xx is also written to the `ServeLog`, since it
/// is the server's fault and nobody else would hear of it.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  let log: ServeLog

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let status: HTTPResponse.Status
    let message: String
    var closesConnection = false
    var retryAfter: Int?
    do {
      return try await next(request, context)
    } catch let error as ServeError {
      (status, message, closesConnection) = (error.status, error.description, error.closesConnection)
      retryAfter = error.retryAfter
    } catch let error as HTTPError {
      (status, message) = (error.status, error.body ?? error.status.reasonPhrase.lowercased())
    } catch {
      (status, message) = (.internalServerError, String(describing: error))
    }
    if status.kind == .serverError {
      log.failure(request, status: status, message: message)
    }
    var response = Response.json(status: status, error: message)
    if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
    return closesConnection ? response.closingConnection() : response
  }
}

extension Response {
  /// This response with `Connection: close`, whose connection ends once it is
  /// written. Hummingbird would otherwise read the unread rest of the request
  /// body, however long, or, if the request said `Connection: close`, wait
  /// for a client that is still writing it; a body that fails after its last
  /// byte ends the connection instead.
  fileprivate func closingConnection() -> Response {
    var response = self
    response.headers[.connection] = "close"
    let body = self.body
    response.body = ResponseBody(contentLength: body.contentLength) { writer in
      try await body.write(writer)
      throw ConnectionClosedAfterAnswer()
    }
    return response
  }
}

/// Ends a connection whose request was answered without being read to the end.
private struct ConnectionClosedAfterAnswer: Error, CustomStringConvertible {
  var description: String { "the connection is closed: the rest of the refused body is not read" }
}
