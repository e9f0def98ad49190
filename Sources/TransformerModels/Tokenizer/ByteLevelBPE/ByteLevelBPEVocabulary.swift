/// What a byte-level BPE tokenizer is made from, as a GGUF file's
/// `tokenizer.ggml.*` metadata holds it.
///
/// ```swift
/// let vocabulary = ByteLevelBPEVocabulary(
///   tokens: tokens, merges: merges, tokenTypes: types, preTokenizer: "smollm",
///   bosID: 1, eosID: 2, unknownID: 0, paddingID: 2, addBOS: false, maxLength: 8192)
/// let tokenizer = try ByteLevelBPETokenizer(vocabulary: vocabulary, source: path)
/// ```
public struct ByteLevelBPEVocabulary: Sendable, Equatable {
  /// The tokens in id order, ordinary ones in GPT-2's byte alphabet
  /// (`"Ġthe"` for " the"), control and user-defined ones as their text
  /// (`"<|im_start|>"`). `tokenizer.ggml.tokens`.
  public var tokens: [String]
  /// The merges, lowest rank first, each two tokens and a space: `"Ġ t"`.
  /// `tokenizer.ggml.merges`.
  public var merges: [String]
  /// The kind of each token, as GGUF numbers them (`tokenizer.ggml.token_type`):
  /// 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; `nil`
  /// for all normal. Control and user-defined tokens typed in a text are
  /// read as themselves.
  public var tokenTypes: [Int]?
  /// The pre-tokenizer's name, `tokenizer.ggml.pre`: `"smollm"`, `"gpt2"`,
  /// `"llama-bpe"`, `"qwen2"`, … (see `ByteLevelBPETokenizer.supportedPreTokenizers`).
  public var preTokenizer: String
  /// The beginning-of-sequence token, `tokenizer.ggml.bos_token_id`.
  public var bosID: Int?
  /// The end-of-sequence token, `tokenizer.ggml.eos_token_id`.
  public var eosID: Int?
  /// The token for a byte the vocabulary lacks, `tokenizer.ggml.unknown_token_id`.
  public var unknownID: Int?
  /// The padding token, `tokenizer.ggml.padding_token_id`.
  public var paddingID: Int?
  /// Whether an encoding starts with the BOS token, `tokenizer.ggml.add_bos_token`.
  public var addBOS: Bool
  /// The most tokens an encoding holds, e.g. the model's context length.
  public var maxLength: Int

  /// Creates a vocabulary from its parts; `ByteLevelBPETokenizer` checks them.
  public init(
    tokens: [String], merges: [String], tokenTypes: [Int]? = nil, preTokenizer: String, bosID: Int? = nil,
    eosID: Int? = nil, unknownID: Int? = nil, paddingID: Int? = nil, addBOS: Bool = false, maxLength: Int
  ) {
    self.tokens = tokens
    self.merges = merges
    self.tokenTypes = tokenTypes
    self.preTokenizer = preTokenizer
    self.bosID = bosID
    self.eosID = eosID
    self.unknownID = unknownID
    self.paddingID = paddingID
    self.addBOS = addBOS
    self.maxLength = maxLength
  }

  /// GGUF's token kinds.
  public enum TokenType: Int, Sendable {
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6
  }
}
