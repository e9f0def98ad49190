import Foundation
import Hummingbird

/// The largest request body `POST /api/attention` reads.
let maximumRequestBytes = 64 * 1024

/// The routes of `attn serve`. No route reads a file: every answer is made
/// from the model in memory or from text compiled into the program.
func makeServeRouter(
  service: AttentionService, log: ServeLog, gate: AnswerGate = .perCore()
) -> Router<BasicRequestContext> {
  let router = Router()
  // Added before the routes so that they wrap them and the not-found answer;
  // the request log outside the error answers, to see the status the client gets.
  router.middlewares.add(IdleTrimMiddleware(trimmer: IdleMemoryTrimmer()))
  if log.logsRequests { router.middlewares.add(RequestLogMiddleware(log: log)) }
  router.middlewares.add(JSONErrorMiddleware(log: log))
  router.get("/healthz") { _, _ in Response.json("{\"status\":\"ok\"}") }
  router.get("/") { _, _ in
    Response.bytes(Array(servePage.utf8), contentType: "text/html; charset=utf-8")
  }
  router.get("/view") { request, _ in
    let query = try FormQuery(request.uri.query ?? "")
    guard let text = query["text"], !isBlank(text) else {
      throw ServeError(status: .badRequest, "the query needs a non-empty \"text\"")
    }
    let pair = query["pair"].flatMap { isBlank($0) ? nil : $0 }
    let permit = await gate.enter()
    let (tokens, page) = try await service.page(text: text, pair: pair)
    var response = Response.bytes(page, contentType: "text/html; charset=utf-8")
    response.headers[.attentionTokens] = asciiJSONArray(tokens)
    return response.afterBody { permit.release() }
  }
  router.post("/api/attention") { request, _ in
    let format = try AttentionFormat(request: request)
    let (text, pair) = try await readAttentionRequest(request)
    // The turn lasts until the answer's last byte is written.
    let permit = await gate.enter()
    let attention = try await service.attention(text: text, pair: pair)
    return try Response.attention(tokens: attention.tokens, attentions: attention.attentions, format: format)
      .afterBody { permit.release() }
  }
  return router
}

/// The most of a body too long to use that is read and dropped before the
/// 413 is sent: a client that writes its whole body before it reads
/// (Python's http.client, urllib, requests) then reads the answer. A longer
/// body is answered unread and its connection closed.
let maximumDiscardedBytes = 8 * 1024 * 1024

/// The `text` and optional `pair` of a `POST /api/attention` body.
private func readAttentionRequest(_ request: Request) async throws -> (text: String, pair: String?) {
  let declaredLength = request.headers[.contentLength].flatMap { Int($0) }
  let tooLarge = { (length: Int?) in
    let measure = length.map { "the body has \($0) bytes; at most \(maximumRequestBytes) are read" }
    return measure ?? "the body is longer than \(maximumRequestBytes) bytes"
  }
  if let declaredLength, declaredLength > maximumDiscardedBytes {
    throw ServeError(status: .contentTooLarge, tooLarge(declaredLength), closesConnection: true)
  }
  var body = ByteBuffer()
  var length = 0
  for try await part in request.body {
    length += part.readableBytes
    if length <= maximumRequestBytes {
      body.writeImmutableBuffer(part)
    } else if length > maximumDiscardedBytes {
      throw ServeError(status: .contentTooLarge, tooLarge(declaredLength), closesConnection: true)
    }
  }
  guard length <= maximumRequestBytes else {
    throw ServeError(status: .contentTooLarge, tooLarge(declaredLength))
  }
  let object: Any
  do {
    object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
  } catch {
    throw ServeError(status: .badRequest, "the body is not JSON")
  }
  guard let fields = object as? [String: Any] else {
    throw ServeError(
      status: .badRequest, "the body must be a JSON object {\"text\": \"..\", \"pair\": \"..\"}")
  }
  guard let text = fields["text"] as? String else {
    throw ServeError(status: .badRequest, "\"text\" must be a string")
  }
  guard !isBlank(text) else { throw ServeError(status: .badRequest, "\"text\" is empty") }
  var pair: String?
  switch fields["pair"] {
  case nil, is NSNull: pair = nil
  case let value as String: pair = isBlank(value) ? nil : value
  default: throw ServeError(status: .badRequest, "\"pair\" must be a string")
  }
  return (text, pair)
}

private func isBlank(_ text: String) -> Bool {
  text.allSatisfy { $0.isWhitespace }
}

/// A URL's query read as a form sends it (`application/x-www-form-urlencoded`):
/// `+` is a space, `%XX` a byte of UTF-8; the first of a repeated name counts.
struct FormQuery {
  private var fields: [String: String] = [:]

  init(_ query: String) throws {
    for part in query.split(separator: "&", omittingEmptySubsequences: true) {
      let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = try Self.decode(pieces[0])
      let value = pieces.count > 1 ? try Self.decode(pieces[1]) : ""
      if fields[name] == nil { fields[name] = value }
    }
  }

  subscript(name: String) -> String? { fields[name] }

  private static func decode(_ encoded: Substring) throws -> String {
    let spaced = encoded.replacingOccurrences(of: "+", with: " ")
    guard let decoded = spaced.removingPercentEncoding else {
      throw ServeError(status: .badRequest, "the query is not URL-encoded UTF-8: \(encoded.prefix(40))")
    }
    return decoded
  }
}
