import Hummingbird

/// Answers every failure as JSON, `{"error": ".."}`: the refusals of the
/// routes, Hummingbird's own (404 for a path no route has, 405, …) and, as a
/// 500, anything else.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    do {
      return try await next(request, context)
    } catch let error as ServeError {
      return .json(status: error.status, error: error.description)
    } catch let error as HTTPError {
      let message = error.body ?? error.status.reasonPhrase.lowercased()
      return .json(status: error.status, error: message)
    } catch {
      return .json(status: .internalServerError, error: String(describing: error))
    }
  }
}
