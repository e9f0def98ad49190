import AttentionFigures
import Dispatch
import Heatmaps
import TransformerModels

/// The model a server holds for its whole life, loaded once and read by every
/// request at the same time.
struct AttentionService: Sendable {
  let model: any AttentionModel

  /// Forward passes run here rather than on the server's event loops or the
  /// cooperative pool, which must stay free to accept and answer requests.
  private static let computeQueue = DispatchQueue(
    label: "attn.serve.forward", qos: .userInitiated, attributes: .concurrent)
  /// Pango's text measurement is not known to be safe on several threads at
  /// once, so pages are laid out one at a time.
  private static let renderQueue = DispatchQueue(label: "attn.serve.render", qos: .userInitiated)

  /// The tokens of `text` (and `pair`) and the attention of every layer and
  /// head over them.
  ///
  /// - Throws: `ServeError` with status 422 when the text is longer than the
  ///   model reads (it is refused, not truncated, so that the tokens answered
  ///   are always the whole text), or 400 when the model cannot take it.
  func attention(text: String, pair: String?) async throws -> ModelAttention {
    let encoding: Encoding
    do {
      encoding = try model.tokenize(text, pair: pair)
    } catch {
      throw ServeError(status: .badRequest, "\(error)")
    }
    if encoding.truncated {
      throw ServeError(
        status: .unprocessableContent,
        "the text has \(encoding.untruncatedLength) tokens; the model reads at most \(encoding.ids.count)")
    }
    let model = self.model
    return try await Self.run(on: Self.computeQueue) { try model.attention(for: encoding) }
  }

  /// The self-contained HTML page of `attn model --out x.html` for `text`,
  /// and the tokens it shows.
  func page(text: String, pair: String?) async throws -> (tokens: [String], html: [UInt8]) {
    let attention = try await self.attention(text: text, pair: pair)
    let figure = try ModelFigure(
      attention, selection: .all(layerCount: attention.layerCount, headCount: attention.headCount))
    let html = try await Self.run(on: Self.renderQueue) {
      try renderFigureData(figure.heatmap, format: .html).bytes
    }
    return (attention.tokens, html)
  }

  private static func run<T: Sendable>(
    on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
