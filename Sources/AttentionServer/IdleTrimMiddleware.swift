import Hummingbird

/// Counts each request as in flight for the `IdleMemoryTrimmer` until its
/// answer has been sent to the last byte (or it failed, or was dropped).
struct IdleTrimMiddleware<Context: RequestContext>: RouterMiddleware {
  let trimmer: IdleMemoryTrimmer

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let inFlight = trimmer.begin()
    // The body holds the token, so it is released with the body: once
    // written, or dropped unwritten.
    return try await next(request, context).afterBody { withExtendedLifetime(inFlight) {} }
  }
}
