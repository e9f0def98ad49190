import AttentionFigures
import Dispatch
import Heatmaps
import TransformerModels

/// The models a server holds for its whole life, loaded once and read by
/// every request at the same time.
struct AttentionService: Sendable {
  /// What a served figure shows of a run, as `attn model`'s `--lens`,
  /// `--words` and `--span` choose it.
  struct PageView: Sendable {
    var lens: AttentionLens = .attention
    var words = false
    /// Positions from 0 as typed, "a-b" or "a"; nil draws every map.
    var span: String?
  }

  /// At least one; the first answers a request that names none.
  let models: [ServedModel]
  /// The most tokens one `POST /api/generate` may ask for.
  let maxGeneratedTokens: Int
  /// The long runs kept for `GET /api/runs/{id}/…`.
  let runs: RunCache

  /// Forward passes run here rather than on the server's event loops or the
  /// cooperative pool, which must stay free to accept and answer requests.
  static let computeQueue = DispatchQueue(
    label: "attn.serve.forward", qos: .userInitiated, attributes: .concurrent)
  /// Pango's text measurement is not known to be safe on several threads at
  /// once, so pages are laid out one at a time.
  private static let renderQueue = DispatchQueue(label: "attn.serve.render", qos: .userInitiated)

  init(models: [ServedModel], maxGeneratedTokens: Int, runCacheBytes: Int = 1 << 31) {
    precondition(!models.isEmpty, "a server serves at least one model")
    self.models = models
    self.maxGeneratedTokens = maxGeneratedTokens
    runs = RunCache(budget: runCacheBytes)
  }

  /// The model a request named, or the first when it named none.
  ///
  /// - Throws: `ServeError` (400) naming the models there are, for a name none has.
  func model(named name: String?) throws -> ServedModel {
    guard let name else { return models[0] }
    guard let served = models.first(where: { $0.name == name }) else {
      throw ServeError(
        status: .badRequest,
        "no model \"\(name)\"; this server has: \(models.map(\.name).joined(separator: ", "))")
    }
    return served
  }

  /// The model a generation request named, or the first that writes.
  ///
  /// - Throws: `ServeError`: 400 for an unknown name, 422 for a model that does not write.
  func generativeModel(named name: String?) throws -> (name: String, model: any GenerativeModel) {
    if let name {
      let served = try model(named: name)
      guard let model = served.generative else {
        throw ServeError(
          status: .unprocessableContent,
          "model \"\(name)\" does not write text (it is a \(served.model.summary.architecture) encoder)")
      }
      return (name, model)
    }
    for served in models {
      if let model = served.generative { return (served.name, model) }
    }
    throw ServeError(
      status: .unprocessableContent,
      "none of this server's models writes text (\(models.map(\.name).joined(separator: ", ")))")
  }

  /// The tokens of `text` (and `pair`) and the attention of every layer and
  /// head over them, causal for a decoder.
  ///
  /// - Throws: `ServeError` with status 422 when the text is longer than the
  ///   model reads (it is refused, not truncated, so that the tokens answered
  ///   are always the whole text), or 400 when the model cannot take it.
  func attention(text: String, pair: String?, model name: String? = nil) async throws -> ModelAttention {
    let model = try self.model(named: name).model
    let encoding = try Self.encode(text, pair: pair, with: model, what: "text")
    return try await Self.compute { try model.attention(for: encoding) }
  }

  /// The self-contained HTML page of `attn model --out x.html` for `text`
  /// as `view` asks (`--lens`, `--words`, `--span`), and the tokens (or
  /// words) it shows.
  ///
  /// - Throws: `ServeError`: 422 for a span outside the text or a run the
  ///   model refuses, besides `attention(text:pair:model:)`'s refusals.
  func page(text: String, pair: String?, model name: String? = nil, view: PageView = PageView()) async throws
    -> (tokens: [String], html: [UInt8])
  {
    let model = try self.model(named: name).model
    let encoding = try Self.encode(text, pair: pair, with: model, what: "text")
    let lensed = try await Self.compute {
      try model.lensedAttention(encoding, lens: view.lens, words: view.words)
    }
    let heatmap: HeatmapFigure
    if let span = view.span {
      let positions = try Self.refusingLensErrors("span \"\(span)\"") {
        try parseSpan(span, count: lensed.tokens.count, of: view.words ? "words" : "tokens")
      }
      heatmap = try SpanFigure(lensed, span: positions, lens: view.lens).heatmap
    } else {
      heatmap = try ModelFigure(lensed, lens: view.lens).heatmap
    }
    return (lensed.tokens, try await Self.renderPage(heatmap))
  }

  /// `heatmap` as a self-contained HTML page.
  static func renderPage(_ heatmap: HeatmapFigure) async throws -> [UInt8] {
    try await run(on: renderQueue) { try renderFigureData(heatmap, format: .html).bytes }
  }

  /// Runs `body` on `computeQueue`, a refusal of the lens or the decoder
  /// (its recorded attention would not fit, a mode it does not take)
  /// answered as 422: the request asked for what the model cannot give.
  static func compute<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    do {
      return try await run(on: computeQueue, body)
    } catch let error as DecoderError {
      throw ServeError(status: .unprocessableContent, error.reason)
    } catch let error as LensError {
      throw ServeError(status: .unprocessableContent, error.reason)
    }
  }

  /// `body`, a `LensError` answered as 422 after `what`.
  static func refusingLensErrors<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as LensError {
      throw ServeError(status: .unprocessableContent, "\(what): \(error.reason)")
    }
  }

  /// The tokens `model` reads for `text`, refused rather than cut when they
  /// are more than it reads.
  ///
  /// - Parameter what: how messages name the text: "text", "prompt".
  static func encode(_ text: String, pair: String? = nil, with model: any AttentionModel, what: String) throws
    -> Encoding
  {
    let encoding: Encoding
    do {
      encoding = try model.tokenize(text, pair: pair)
    } catch {
      throw ServeError(status: .badRequest, "\(error)")
    }
    if encoding.truncated {
      throw ServeError(
        status: .unprocessableContent,
        "the \(what) has \(encoding.untruncatedLength) tokens; the model reads at most \(encoding.ids.count)")
    }
    return encoding
  }

  private static func run<T: Sendable>(
    on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
