import AttentionCore
import Foundation
import Hummingbird
import TensorIO
import TransformerModels

/// The routes of `attn serve`. No route reads a file: every answer is made
/// from the models in memory or from text compiled into the program.
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
    let model = try service.model(named: query["model"]).name
    let view = try pageView(query)
    let permit = await gate.enter()
    let (tokens, page) = try await service.page(text: text, pair: pair, model: model, view: view)
    var response = Response.bytes(page, contentType: "text/html; charset=utf-8")
    response.headers[.attentionTokens] = asciiJSONArray(tokens)
    return response.afterBody { permit.release() }
  }
  router.post("/api/attention") { request, _ in
    let format = try AttentionFormat(request: request)
    let (text, pair, model) = try await readAttentionRequest(request)
    _ = try service.model(named: model)
    // The turn lasts until the answer's last byte is written.
    let permit = await gate.enter()
    let attention = try await service.attention(text: text, pair: pair, model: model)
    return try Response.attention(tokens: attention.tokens, attentions: attention.attentions, format: format)
      .afterBody { permit.release() }
  }
  router.get("/view/compare") { request, _ in
    let query = try FormQuery(request.uri.query ?? "")
    guard let text = query["text"], !isBlank(text), let other = query["text_b"], !isBlank(other) else {
      throw ServeError(status: .badRequest, "the query needs a non-empty \"text\" and \"text_b\"")
    }
    let model = try service.model(named: query["model"]).name
    let lens = try readLens(query["lens"])
    let permit = await gate.enter()
    let comparison = try await service.comparison(text: text, against: other, model: model, lens: lens)
    var response = Response.bytes(
      try await AttentionService.differencePage(comparison, lens: lens), contentType: "text/html; charset=utf-8")
    response.headers[.attentionTokens] = asciiJSONArray(comparison.alignment.labels)
    return response.afterBody { permit.release() }
  }
  router.post("/api/compare") { request, _ in
    let members = JSONMembers(
      fields: try await readJSONObject(request, shape: "{\"text\": \"..\", \"text_b\": \"..\"}"))
    try members.refuseOthers(than: ["text", "text_b", "model", "lens"])
    let (text, other) = (try members.text("text"), try members.text("text_b"))
    let model = try service.model(named: try members.string("model")).name
    let lens = try readLens(try members.string("lens"))
    let permit = await gate.enter()
    let comparison = try await service.comparison(text: text, against: other, model: model, lens: lens)
    return Response.json(comparisonJSON(comparison)).afterBody { permit.release() }
  }
  router.post("/api/atlas") { request, _ in
    let (text, pair, model) = try await readAttentionRequest(request)
    _ = try service.model(named: model)
    let permit = await gate.enter()
    let atlas = try await service.atlas(text: text, pair: pair, model: model)
    return Response.json(atlas.json()).afterBody { permit.release() }
  }
  router.post("/api/ablate") { request, _ in
    let members = JSONMembers(
      fields: try await readJSONObject(request, shape: "{\"text\": \"..\", \"heads\": \"3.7,5.2\"}"))
    try members.refuseOthers(than: ["text", "pair", "heads", "mode", "model", "chat", "max_tokens"])
    let text = try members.text("text")
    let pair = try members.string("pair").flatMap { isBlank($0) ? nil : $0 }
    guard let heads = try members.string("heads") else {
      throw ServeError(
        status: .badRequest, "\"heads\" must be a string of heads as layer.head, like \"3.7,5.2\"")
    }
    let headSet: Set<HeadIndex>
    do {
      headSet = try HeadIndex.parseList(heads)
    } catch let error as LensError {
      throw ServeError(status: .badRequest, "\"heads\" \"\(heads)\": \(error.reason)")
    }
    let modeName = try members.string("mode") ?? "zero"
    guard let mode = HeadAblation.Mode(rawValue: modeName) else {
      throw ServeError(status: .badRequest, "\"mode\" must be \"zero\" or \"mean\"")
    }
    let maxTokens =
      try members.integer("max_tokens", in: 0...service.maxGeneratedTokens)
      ?? min(16, service.maxGeneratedTokens)
    let model = try service.model(named: try members.string("model")).name
    let permit = await gate.enter()
    let json = try await service.ablation(
      text: text, pair: pair, model: model, ablation: HeadAblation(heads: headSet, mode: mode),
      chat: try members.bool("chat") ?? false, maxTokens: maxTokens)
    return Response.json(json).afterBody { permit.release() }
  }
  router.get("/long") { _, _ in
    Response.bytes(Array(longPage.utf8), contentType: "text/html; charset=utf-8")
  }
  router.post("/api/run") { request, _ in
    let (text, pair, model) = try await readAttentionRequest(request)
    _ = try service.model(named: model)
    let permit = await gate.enter()
    let json = try await service.startRun(text: text, pair: pair, model: model)
    return Response.json(json).afterBody { permit.release() }
  }
  router.get("/api/runs/:id/overview") { request, context in
    let format = try AttentionFormat(request: request)
    let query = try FormQuery(request.uri.query ?? "")
    let region = try AttentionService.RunRegion(
      try service.runs.run(context.parameters.require("id")), query: query, required: false)
    let size = try readInteger(query, "size", in: 1...AttentionService.overviewSizeLimit) ?? 256
    let pooling = try readPooling(query["pooling"])
    let permit = await gate.enter()
    let overview = try await AttentionService.overview(region, size: size, pooling: pooling)
    let response: Response
    switch format {
    case .npy: response = try regionNpy(overview)
    case .json:
      let (rows, columns) = (overview.shape[0], overview.shape[1])
      let extra =
        ",\"pooling\":\"\(pooling.rawValue)\""
        + ",\"row_starts\":[\(AttentionRecord.binStarts(of: region.rows, cells: rows).map(String.init).joined(separator: ","))]"
        + ",\"col_starts\":[\(AttentionRecord.binStarts(of: region.columns, cells: columns).map(String.init).joined(separator: ","))]"
      response = Response.json(regionJSON(region, extra: extra, weights: overview))
    }
    return response.afterBody { permit.release() }
  }
  router.get("/api/runs/:id/block") { request, context in
    let format = try AttentionFormat(request: request)
    let query = try FormQuery(request.uri.query ?? "")
    let region = try AttentionService.RunRegion(
      try service.runs.run(context.parameters.require("id")), query: query, required: true)
    let permit = await gate.enter()
    let block = try await AttentionService.block(region)
    let response = format == .npy ? try regionNpy(block) : Response.json(regionJSON(region, weights: block))
    return response.afterBody { permit.release() }
  }
  router.get("/api/models") { _, _ in Response.json(modelsJSON(service)) }
  router.post("/api/generate") { request, _ in
    let generation = try GenerationRequest(
      try await readJSONObject(request, shape: GenerationRequest.shape), cap: service.maxGeneratedTokens)
    let (name, model) = try service.generativeModel(named: generation.model)
    let text: String
    do {
      text =
        try generation.chat
        ? model.chatPrompt(user: generation.prompt, system: generation.system) : generation.prompt
    } catch {
      throw ServeError(status: .unprocessableContent, "\(error)")
    }
    let prompt = try AttentionService.encode(text, with: model, what: "prompt")
    let context = model.summary.maxTokens
    guard prompt.ids.count < context else {
      throw ServeError(
        status: .unprocessableContent,
        "the prompt has \(prompt.ids.count) tokens, which fill the model's context of \(context); none can be written"
      )
    }
    // The turn lasts until the model has stopped and the last line is written.
    let permit = await gate.enter()
    return GenerationStream.response(model: model, name: name, prompt: prompt, options: generation.options)
      .afterBody { permit.release() }
  }
  return router
}

/// `GET /api/models`: `{"models": [{"name", "architecture", "layers",
/// "heads", "max_tokens", "kind", "generative"}], "max_generated_tokens"}`,
/// the first model first (the one a request that names none gets).
private func modelsJSON(_ service: AttentionService) -> String {
  var json = "{\"models\":["
  for (index, served) in service.models.enumerated() {
    let summary = served.model.summary
    if index > 0 { json += "," }
    json += "{\"name\":"
    appendJSONString(served.name, to: &json)
    json += ",\"architecture\":"
    appendJSONString(summary.architecture, to: &json)
    json += ",\"layers\":\(summary.layerCount),\"heads\":\(summary.headCount)"
    json += ",\"max_tokens\":\(summary.maxTokens),\"kind\":\"\(summary.attentionKind.rawValue)\""
    json += ",\"generative\":\(served.generative != nil)}"
  }
  return json + "],\"max_generated_tokens\":\(service.maxGeneratedTokens)}"
}

/// The `text`, optional `pair` and optional `model` of a `POST /api/attention` body.
private func readAttentionRequest(_ request: Request) async throws -> (
  text: String, pair: String?, model: String?
) {
  let members = JSONMembers(
    fields: try await readJSONObject(request, shape: "{\"text\": \"..\", \"pair\": \"..\"}"))
  guard let text = try members.string("text") else {
    throw ServeError(status: .badRequest, "\"text\" must be a string")
  }
  guard !isBlank(text) else { throw ServeError(status: .badRequest, "\"text\" is empty") }
  let pair = try members.string("pair").flatMap { isBlank($0) ? nil : $0 }
  return (text, pair, try members.string("model"))
}

/// The lens, words and span a `GET /view` query asks for.
private func pageView(_ query: FormQuery) throws -> AttentionService.PageView {
  var view = AttentionService.PageView()
  view.lens = try readLens(query["lens"])
  switch query["words"] {
  case nil, "", "0", "false": view.words = false
  case "1", "true": view.words = true
  case let other?: throw ServeError(status: .badRequest, "\"words\" must be 1 or 0, not \"\(other)\"")
  }
  view.span = query["span"].flatMap { $0.isEmpty ? nil : $0 }
  return view
}

/// A request's lens by name; none (or empty) is `attention`.
private func readLens(_ name: String?) throws -> AttentionLens {
  guard let name, !name.isEmpty else { return .attention }
  guard let lens = AttentionLens(rawValue: name) else {
    throw ServeError(
      status: .badRequest,
      "\"lens\" must be \(AttentionLens.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(name)\"")
  }
  return lens
}

/// An overview's pooling by name; none (or empty) is the mean.
private func readPooling(_ name: String?) throws -> AttentionRecord.Pooling {
  guard let name, !name.isEmpty else { return .mean }
  guard let pooling = AttentionRecord.Pooling(rawValue: name) else {
    throw ServeError(status: .badRequest, "\"pooling\" must be \"mean\" or \"max\", not \"\(name.prefix(40))\"")
  }
  return pooling
}

/// A whole number of the query within `range`, or nil when absent.
private func readInteger(_ query: FormQuery, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
  guard let text = query[name], !text.isEmpty else { return nil }
  guard let value = Int(text), range.contains(value) else {
    throw ServeError(
      status: .badRequest, "\"\(name)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
  }
  return value
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
