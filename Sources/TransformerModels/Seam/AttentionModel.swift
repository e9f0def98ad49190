/// Anything that turns text into labelled tokens and the attention of every
/// layer and head over them: the one seam between a model family and what
/// draws, serves or measures its attention.
///
/// A family conforms once (`BertModel` for BERT encoders) and is recognised
/// by `ModelLoader`; nothing that uses a model names its family.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// ```swift
/// let model = try ModelLoader.load(contentsOf: folder)
/// let attention = try model.attention(text: "The cat sat.", pair: nil)
/// attention.tokens      // ["[CLS]", "the", "cat", "sat", ".", "[SEP]"]
/// attention.attentions  // [N, H, L, L]
/// ```
public protocol AttentionModel: Sendable {
  /// What the model is, for messages and page titles: its family and sizes.
  var summary: ModelSummary { get }

  /// The tokenizer the model reads its text with.
  var textTokenizer: any TextTokenizer { get }

  /// Runs the model on tokens its tokenizer made, and keeps what `options`
  /// ask for beside the attention.
  ///
  /// - Parameter encoding: `L` tokens, `1 ≤ L ≤ summary.maxTokens`.
  /// - Returns: the tokens and the attention weights `[N, H, L, L]`, and
  ///   the heads' values when `options.recordsValues`.
  /// - Throws: an error that says which token or length is at fault.
  func run(_ encoding: Encoding, options: RunOptions) throws -> ModelRun

  /// Runs the model on `encoding` keeping, per layer, what recomputes any
  /// block of any head's weights exactly (`AttentionRecording`), `O(L·d)`
  /// rather than the `O(L²)` weights: for long texts. A family whose
  /// kernel keeps no records answers with its weights (the default).
  ///
  /// - Throws: as `run(_:options:)`.
  func record(_ encoding: Encoding) throws -> AttentionRecording

  /// The bytes `record(_:)` keeps for `tokens` tokens, labels aside (their
  /// spelling is not known before the text is read): what a cache of runs
  /// sets aside before it runs one.
  func recordingByteCount(tokens: Int) -> Int

  /// Runs several encodings, as one batch where the model can: the same
  /// runs as one `run(_:options:)` each, in order.
  func run(batch encodings: [Encoding], options: RunOptions) throws -> [ModelRun]
}

extension AttentionModel {
  public func run(batch encodings: [Encoding], options: RunOptions) throws -> [ModelRun] {
    try encodings.map { try run($0, options: options) }
  }

  public func record(_ encoding: Encoding) throws -> AttentionRecording {
    AttentionRecording(try run(encoding, options: RunOptions()).attention)
  }

  public func recordingByteCount(tokens: Int) -> Int {
    4 * summary.layerCount * summary.headCount * tokens * tokens
  }

  /// The key positions a head atlas counts as sinks: the special tokens
  /// of a bidirectional model's encoding (`[CLS]`, `[SEP]`), the first
  /// token of a causal one.
  public func sinkPositions(of encoding: Encoding) -> [Int] {
    if summary.attentionKind == .causal { return encoding.tokens.isEmpty ? [] : [0] }
    let tokenizer = textTokenizer
    return encoding.tokens.indices.filter { tokenizer.isSpecialToken(encoding.tokens[$0]) }
  }

  /// The head atlas of `encodings`, run `batchSize` at a time: each head's
  /// statistics averaged over the texts, its label drawn from the means.
  ///
  /// - Parameter progress: called with the number of texts done after each batch.
  public func headAtlas(
    of encodings: [Encoding], batchSize: Int = 8, progress: (Int) -> Void = { _ in }
  ) throws -> HeadAtlas {
    precondition(!encodings.isEmpty && batchSize >= 1, "an atlas needs texts and a batch size of at least 1")
    let kind = summary.attentionKind
    var atlases: [HeadAtlas] = []
    var uniform = 0.0
    for start in stride(from: 0, to: encodings.count, by: batchSize) {
      let batch = Array(encodings[start..<min(start + batchSize, encodings.count)])
      for (encoding, run) in zip(batch, try run(batch: batch, options: RunOptions())) {
        atlases.append(
          try HeadAtlas(run.attention.attentions, kind: kind, sinks: sinkPositions(of: encoding)))
        uniform += HeadAtlas.uniformEntropy(length: encoding.tokens.count, kind: kind)
      }
      progress(atlases.count)
    }
    return atlases.count == 1 ? atlases[0] : HeadAtlas.mean(atlases, uniformEntropy: uniform / Double(atlases.count))
  }
}

extension AttentionModel {
  /// Runs the model on tokens its tokenizer made.
  ///
  /// - Parameter encoding: `L` tokens, `1 ≤ L ≤ summary.maxTokens`.
  /// - Returns: the tokens and the attention weights `[N, H, L, L]`.
  /// - Throws: an error that says which token or length is at fault.
  public func attention(for encoding: Encoding) throws -> ModelAttention {
    try run(encoding, options: RunOptions()).attention
  }

  /// Tokenizes `text` (and `pair`, for a model that reads two texts).
  public func tokenize(_ text: String, pair: String? = nil) throws -> Encoding {
    try textTokenizer.encode(text, pair: pair)
  }

  /// Tokenizes `text` and `pair` and runs the model on them; a text longer
  /// than the model reads is cut as its tokenizer cuts it.
  public func attention(text: String, pair: String? = nil) throws -> ModelAttention {
    try attention(for: tokenize(text, pair: pair))
  }
}

/// How a model's queries may look at its keys.
public enum AttentionKind: String, Sendable, Equatable, CaseIterable {
  /// Every token attends to every token (an encoder such as BERT).
  case bidirectional
  /// A token attends to itself and the tokens before it (a decoder); the
  /// upper triangle of every map is masked, not zero.
  case causal
}

/// The family and sizes of a loaded model.
public struct ModelSummary: Sendable, Equatable {
  /// The architecture as its files name it, e.g. `bert`.
  public var architecture: String
  /// `N`.
  public var layerCount: Int
  /// `H`: query heads of each layer.
  public var headCount: Int
  /// The most tokens one run reads, special tokens included.
  public var maxTokens: Int
  /// Whether queries see every key or only earlier ones.
  public var attentionKind: AttentionKind

  public init(
    architecture: String, layerCount: Int, headCount: Int, maxTokens: Int,
    attentionKind: AttentionKind
  ) {
    self.architecture = architecture
    self.layerCount = layerCount
    self.headCount = headCount
    self.maxTokens = maxTokens
    self.attentionKind = attentionKind
  }
}

/// The attention of one run: every layer's and head's weights over the
/// tokens, with the tokens as labels.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
public struct ModelAttention: Sendable, Equatable {
  /// `L` token labels, special tokens included, in the model's spelling.
  public var tokens: [String]
  /// `[N, H, L, L]`: row `i` of a map is how query token `i` spreads its
  /// attention over the keys, summing to 1.
  public var attentions: Tensor
  /// Whether the maps are full or lower-triangular.
  public var kind: AttentionKind

  /// - Precondition: `attentions` is `[N, H, L, L]` with `L == tokens.count`.
  public init(tokens: [String], attentions: Tensor, kind: AttentionKind) {
    precondition(
      attentions.rank == 4 && attentions.shape[2] == tokens.count && attentions.shape[3] == tokens.count,
      "attentions \(attentions.shape) must be [N, H, \(tokens.count), \(tokens.count)]")
    self.tokens = tokens
    self.attentions = attentions
    self.kind = kind
  }

  /// `N`.
  public var layerCount: Int { attentions.shape[0] }
  /// `H`.
  public var headCount: Int { attentions.shape[1] }
}

/// What a run keeps beside the attention weights.
public struct RunOptions: Sendable, Equatable {
  /// Whether the run keeps every layer's value vectors and output
  /// projection (`HeadValues`), which the value-norm lens weighs the
  /// weights with.
  public var recordsValues: Bool
  /// Whether the run keeps what the model puts out: an encoder's sentence
  /// embedding, a decoder's logits for the token after the last.
  public var recordsOutputs: Bool
  /// Heads to switch off, or nil for the model as it is.
  public var ablation: HeadAblation?

  public init(recordsValues: Bool = false, recordsOutputs: Bool = false, ablation: HeadAblation? = nil) {
    self.recordsValues = recordsValues
    self.recordsOutputs = recordsOutputs
    self.ablation = ablation
  }
}

/// One run of a model: its attention, and what else the options asked for.
public struct ModelRun: Sendable, Equatable {
  /// The tokens and `[N, H, L, L]`.
  public var attention: ModelAttention
  /// The heads' values and output weights, when recorded.
  public var values: HeadValues?
  /// `[D]`: an encoder's sentence embedding, when outputs are recorded.
  public var sentenceEmbedding: Tensor?
  /// `[V]`: a decoder's logits for the token after the last, when outputs are recorded.
  public var nextTokenLogits: Tensor?

  public init(
    attention: ModelAttention, values: HeadValues? = nil, sentenceEmbedding: Tensor? = nil,
    nextTokenLogits: Tensor? = nil
  ) {
    self.attention = attention
    self.values = values
    self.sentenceEmbedding = sentenceEmbedding
    self.nextTokenLogits = nextTokenLogits
  }
}

/// One head of one layer, both counted from 0 (shown from 1, as `3.7`).
public struct HeadIndex: Hashable, Sendable, Comparable, CustomStringConvertible {
  public var layer: Int
  public var head: Int

  public init(layer: Int, head: Int) {
    self.layer = layer
    self.head = head
  }

  public static func < (a: HeadIndex, b: HeadIndex) -> Bool { (a.layer, a.head) < (b.layer, b.head) }

  /// `layer.head` from 1, as the command line takes it: `3.7`.
  public var description: String { "\(layer + 1).\(head + 1)" }
}

/// Heads switched off for a run: what each contributes to its layer's
/// output before the output projection is replaced, by zero or by its mean.
public struct HeadAblation: Sendable, Equatable {
  public enum Mode: String, Sendable, Equatable, CaseIterable {
    /// The head's context is zero: it adds nothing (its output bias stays, as it belongs to no head).
    case zero
    /// Each token's context from the head is the mean of the head's context
    /// over the run's tokens: the head still adds its average, but nothing
    /// that depends on which token reads (encoders only: a decoder writes
    /// one token at a time).
    case mean
  }

  public var heads: Set<HeadIndex>
  public var mode: Mode

  public init(heads: Set<HeadIndex>, mode: Mode = .zero) {
    self.heads = heads
    self.mode = mode
  }

  /// The ablated heads of `layer`, in order.
  public func heads(of layer: Int) -> [Int] { heads.filter { $0.layer == layer }.map(\.head).sorted() }

  /// Refuses heads outside a model of these sizes.
  public func check(layerCount: Int, headCount: Int) throws(LensError) {
    if let outside = heads.sorted().first(where: { !(0..<layerCount).contains($0.layer) || !(0..<headCount).contains($0.head) }) {
      throw LensError("head \(outside) is outside the model, which has layers 1-\(layerCount) and heads 1-\(headCount)")
    }
  }
}
