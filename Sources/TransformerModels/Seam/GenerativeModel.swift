/// A model that writes text one token at a time (a decoder), and records
/// what each token it reads attends to as it goes.
///
/// Legend: `N` layers, `H` query heads, `P` prompt tokens, `G` generated
/// tokens, `L = P + G`.
public protocol GenerativeModel: AttentionModel {
  /// Runs the prompt, then writes up to `options.maxTokens` tokens, calling
  /// `onToken` with each one as soon as it is chosen, with the attention it
  /// was chosen from (so that both can be shown while the next is computed).
  ///
  /// - Parameter prompt: `P ≥ 1` tokens its tokenizer made.
  /// - Returns: the whole run: every token and the causal attention of all
  ///   `L` of them, recorded as they were computed.
  /// - Throws: an error naming the token or length at fault, or whatever
  ///   `onToken` throws (which stops the run).
  func generate(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> GenerationRun

  /// `generate(prompt:options:onToken:)` keeping, per layer, the attention
  /// records of every token read (`AttentionRecording`, `O(L·d)`) instead
  /// of the `[N, H, L, L]` weights: for long prompts. Refuses
  /// `options.recordsValues`.
  func generateRecorded(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> RecordedGeneration

  /// `user` as a user's message in the model's chat template, ready to
  /// write the assistant's answer, with `system` as the system message
  /// (nil: the template's default, if it has one).
  ///
  /// - Throws: an error naming the template when the model has none, or
  ///   one that is not applied here.
  func chatPrompt(user: String, system: String?) throws -> String
}

/// How tokens are chosen and when writing stops.
public struct GenerationOptions: Sendable, Equatable {
  /// The most tokens to write; the run also stops at the context's end.
  public var maxTokens: Int
  /// 0 picks the likeliest token (greedy); above 0 samples from the
  /// softmax of the logits divided by it.
  public var temperature: Double
  /// Samples only among the `topK` likeliest tokens; nil or 0 for all.
  public var topK: Int?
  /// Samples only among the likeliest tokens whose probabilities add up to
  /// at least `topP` (nucleus sampling); nil or 1 for all.
  public var topP: Double?
  /// The sampler's seed: the same seed, prompt and options write the same text.
  public var seed: UInt64
  /// Whether the model's end-of-sequence token ends the run.
  public var stopAtEndOfSequence: Bool
  /// Whether the run keeps every layer's value vectors and output
  /// projection (`GenerationRun.values`), for the value-norm lens.
  public var recordsValues: Bool
  /// Heads switched off while writing (zeroed), or nil for the model as it is.
  public var ablation: HeadAblation?

  public init(
    maxTokens: Int = 64, temperature: Double = 0, topK: Int? = nil, topP: Double? = nil, seed: UInt64 = 0,
    stopAtEndOfSequence: Bool = true, recordsValues: Bool = false, ablation: HeadAblation? = nil
  ) {
    self.recordsValues = recordsValues
    self.ablation = ablation
    self.maxTokens = maxTokens
    self.temperature = temperature
    self.topK = topK
    self.topP = topP
    self.seed = seed
    self.stopAtEndOfSequence = stopAtEndOfSequence
  }
}

/// One token as it is written, with the attention it was chosen from.
///
/// Legend: `N` layers, `H` query heads, `P` prompt tokens.
public struct GeneratedToken: Sendable, Equatable {
  /// Its vocabulary index.
  public var id: Int
  /// Its label, as `ModelAttention.tokens` spells it.
  public var label: String
  /// The text it adds to the output: its bytes decoded as UTF-8, which may
  /// be empty while a character's bytes are split over several tokens.
  public var text: String
  /// 0 for the first token written.
  public var index: Int
  /// `[N, H, P + index]`: what it attended to when it was written, the
  /// attention of the token before it over every token before it. These are
  /// the first `P + index` weights of row `P + index - 1` of every map of the
  /// run's `attention`, the same floats, so a caller can show them as the
  /// token arrives.
  public var attention: Tensor

  public init(id: Int, label: String, text: String, index: Int, attention: Tensor) {
    self.id = id
    self.label = label
    self.text = text
    self.index = index
    self.attention = attention
  }
}

/// Why writing stopped.
public enum GenerationStop: String, Sendable, Equatable {
  case endOfSequence = "end of sequence"
  case maxTokens = "max tokens"
  case contextFull = "context full"
}

/// A whole generation: the prompt, what was written, and the attention of
/// every token.
///
/// `attention` is causal, over all `L` tokens: row `i` of a map is the
/// attention of token `i`'s query over tokens `0...i` (the upper triangle
/// is 0 in the tensor and drawn as masked). The token written at position
/// `j ≥ P` was chosen from row `j - 1`: that row is what it attended to
/// when it was written, over every token before it.
public struct GenerationRun: Sendable, Equatable {
  /// `[N, H, L, L]`, with `L` labels.
  public var attention: ModelAttention
  /// `P`.
  public var promptTokenCount: Int
  /// The `G` generated ids (the end-of-sequence token included, if one ended the run).
  public var generatedIds: [Int]
  /// The generated text, decoded as a whole (without the end-of-sequence
  /// token that ended the run, if one did).
  public var text: String
  /// Why writing stopped.
  public var stop: GenerationStop
  /// The heads' values over all `L` tokens, when the options asked for them.
  public var values: HeadValues?

  public init(
    attention: ModelAttention, promptTokenCount: Int, generatedIds: [Int], text: String, stop: GenerationStop
  ) {
    precondition(promptTokenCount >= 1 && promptTokenCount + generatedIds.count == attention.tokens.count)
    self.attention = attention
    self.promptTokenCount = promptTokenCount
    self.generatedIds = generatedIds
    self.text = text
    self.stop = stop
  }
}

extension GenerationRun {
  /// The run's tokens as one encoding, prompt and written alike, so that
  /// whatever reads an encoding (words, sinks) reads the whole run.
  ///
  /// - Parameter prompt: the encoding the run was written after.
  public func encoding(after prompt: Encoding) -> Encoding {
    let ids = prompt.ids + generatedIds
    return Encoding(
      tokens: attention.tokens, ids: ids, typeIds: [Int](repeating: 0, count: ids.count), truncated: false,
      untruncatedLength: ids.count)
  }
}

/// A run a decoder wrote, its attention kept as records
/// (`GenerativeModel.generateRecorded`).
public struct RecordedGeneration: Sendable {
  /// Every token read, prompt then written, and what recomputes their weights.
  public var recording: AttentionRecording
  /// `P`: the first `P` tokens are the prompt.
  public var promptTokenCount: Int
  /// The ids written, in order.
  public var generatedIds: [Int]
  /// The text written.
  public var text: String
  /// Why writing stopped.
  public var stop: GenerationStop
}
