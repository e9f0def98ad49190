import Dispatch
import Hummingbird

/// Writes one line a request to the `ServeLog` once its answer is sent to the
/// end (`--log`): the status, the time from the request to the last byte and
/// the bytes of the body.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
  let log: ServeLog

  func handle(
    _ request: Request, context: Context, next: (Request, Context) async throws -> Response
  ) async throws -> Response {
    let started = DispatchTime.now().uptimeNanoseconds
    var response = try await next(request, context)
    let status = response.status
    let log = self.log
    let body = response.body
    response.body = ResponseBody(contentLength: body.contentLength) { writer in
      let counter = CountingBodyWriter(base: writer)
      let bytes = counter.bytes
      do {
        try await body.write(counter)
      } catch {
        log.finished(
          request, status: status, seconds: seconds(since: started), bytes: bytes.value, error: error)
        throw error
      }
      log.finished(request, status: status, seconds: seconds(since: started), bytes: bytes.value)
    }
    return response
  }
}

private func seconds(since start: UInt64) -> Double {
  Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Passes a body through to `base`, counting its bytes.
private struct CountingBodyWriter: ResponseBodyWriter {
  var base: any ResponseBodyWriter
  let bytes = ByteCount()

  mutating func write(_ buffer: ByteBuffer) async throws {
    bytes.value += buffer.readableBytes
    try await base.write(buffer)
  }

  consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
    try await base.finish(trailingHeaders)
  }
}

/// A body's writes happen one after another, never at once.
private final class ByteCount: @unchecked Sendable {
  var value = 0
}
