import AttentionCore
import Dispatch
import Foundation
import Heatmaps
import TransformerModels

/// The model a server holds for its whole life, loaded once and read by every
/// request at the same time.
struct AttentionService: Sendable {
  let tokenizer: WordPieceTokenizer
  let model: BertModel

  /// Forward passes run here rather than on the server's event loops or the
  /// cooperative pool, which must stay free to accept and answer requests.
  private static let computeQueue = DispatchQueue(
    label: "attn.serve.forward", qos: .userInitiated, attributes: .concurrent)
  /// Pango's text measurement is not known to be safe on several threads at
  /// once, so pages are laid out one at a time.
  private static let renderQueue = DispatchQueue(label: "attn.serve.render", qos: .userInitiated)

  /// Loads the tokenizer and the model of a Hugging Face BERT folder.
  init(folder: String) throws {
    tokenizer = try WordPieceTokenizer(folder: folder)
    model = try BertModel.load(folder: folder)
  }

  /// The word pieces of `text` (and `pair`) and the attention of every layer
  /// and head over them.
  ///
  /// - Returns: the tokens `[L]` and the attentions `[layers, heads, L, L]`.
  /// - Throws: `ServeError` with status 422 when the text is longer than the
  ///   model's positions (it is refused, not truncated, so that the tokens
  ///   answered are always the whole text).
  func attentions(text: String, pair: String?) async throws -> (tokens: [String], attentions: Tensor) {
    let encoding = try tokenizer.encode(text, pair: pair)
    if encoding.truncated {
      throw ServeError(
        status: .unprocessableContent,
        "the text has \(encoding.untruncatedLength) tokens; the model reads at most \(encoding.ids.count)")
    }
    let model = self.model
    let output = try await Self.run(on: Self.computeQueue) {
      try model.forward(ids: encoding.ids, typeIds: encoding.typeIds)
    }
    return (encoding.tokens, output.attentions)
  }

  /// The self-contained HTML page of `attn model --out x.html` for `text`,
  /// and the tokens it shows.
  func page(text: String, pair: String?) async throws -> (tokens: [String], html: [UInt8]) {
    let (tokens, attentions) = try await self.attentions(text: text, pair: pair)
    let grid = attentions.shape
    // The figure `attn model` draws: a row per layer, a column per head.
    var figure = try HeatmapFigure(
      matrices: attentions, xlabel: "Keys", ylabel: "Queries",
      titles: (0..<grid[1]).map { "Head \($0 + 1)" },
      rowTitles: (0..<grid[0]).map { "Layer \($0 + 1)" },
      xTickLabels: tokens, yTickLabels: tokens)
    fitModelFigure(&figure, rows: grid[0], columns: grid[1], tokens: tokens)
    let finished = figure
    let html = try await Self.run(on: Self.renderQueue) {
      try renderFigureData(finished, format: .html).bytes
    }
    return (tokens, html)
  }

  private static func run<T: Sendable>(
    on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
  ) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
