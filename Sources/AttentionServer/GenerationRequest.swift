import TransformerModels

/// A `POST /api/generate` body, checked: `{"prompt", "chat", "system",
/// "max_tokens", "temperature", "top_k", "top_p", "seed", "model"}`, all but
/// `prompt` optional.
struct GenerationRequest {
  /// The text to continue, or with `chat` the user's message.
  var prompt: String
  /// Whether the prompt goes into the model's chat template.
  var chat: Bool
  /// The system message of the chat template; nil for the template's own.
  var system: String?
  /// The model's name; nil for the first that writes.
  var model: String?
  var options: GenerationOptions

  static let memberNames = [
    "prompt", "chat", "system", "max_tokens", "temperature", "top_k", "top_p", "seed", "model",
  ]
  static let shape = "{\"prompt\": \"..\", \"chat\": false, \"max_tokens\": 64, ..}"
  /// The tokens written when the request does not say, as `attn generate` writes.
  static let defaultMaxTokens = 64

  /// - Parameter cap: the most tokens the server writes for one request.
  /// - Throws: `ServeError`: 400 for a member of the wrong type or range,
  ///   422 for `max_tokens` over `cap`.
  init(_ fields: [String: Any], cap: Int) throws {
    let members = JSONMembers(fields: fields)
    try members.refuseOthers(than: Self.memberNames)
    guard let prompt = try members.string("prompt") else {
      throw ServeError(status: .badRequest, "the body needs a \"prompt\" string")
    }
    guard !prompt.allSatisfy(\.isWhitespace) else {
      throw ServeError(status: .badRequest, "\"prompt\" is empty")
    }
    self.prompt = prompt
    chat = try members.bool("chat") ?? false
    system = try members.string("system")
    if system != nil, !chat {
      throw ServeError(status: .badRequest, "\"system\" is a chat's system message; it needs \"chat\": true")
    }
    model = try members.string("model")
    let maxTokens = try members.integer("max_tokens", in: 1...Int.max) ?? min(Self.defaultMaxTokens, cap)
    guard maxTokens <= cap else {
      throw ServeError(
        status: .unprocessableContent, "\"max_tokens\" is \(maxTokens); this server writes at most \(cap)")
    }
    options = GenerationOptions(
      maxTokens: maxTokens,
      temperature: try members.number("temperature", in: 0...1e6, "a number from 0 (greedy) up") ?? 0,
      topK: try members.integer("top_k", in: 0...Int(Int32.max)),
      topP: try members.number("top_p", in: Double.ulpOfOne...1, "a number above 0 and at most 1"),
      seed: try members.integer("seed", in: 0...UInt64.max) ?? 0)
  }
}
