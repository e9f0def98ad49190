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
    do {
      return try await next(request, context)
    } catch let error as ServeError {
      (status, message) = (error.status, error.description)
    } catch let error as HTTPError {
      (status, message) = (error.status, error.body ?? error.status.reasonPhrase.lowercased())
    } catch {
      (status, message) = (.internalServerError, String(describing: error))
    }
    if status.kind == .serverError {
      log.failure(request, status: status, message: message)
    }
    return .json(status: status, error: message)
  }
}
