/// How a WordPiece tokenizer normalizes text and which special tokens it uses.
///
/// The defaults are those of an uncased BERT: lower-casing with accents
/// stripped, spaces around CJK ideographs, 512 positions.
public struct TokenizerOptions: Equatable, Sendable {
  /// Lower-cases the text (`do_lower_case`).
  public var lowercases: Bool = true
  /// Decomposes the text and drops nonspacing marks (`strip_accents`); `nil`
  /// follows `lowercases`, as BERT does.
  public var stripsAccents: Bool? = nil
  /// Puts spaces around every CJK ideograph, so each is a word of its own
  /// (`tokenize_chinese_chars`).
  public var splitsCJKIdeographs: Bool = true
  /// The most tokens an encoding may have, special tokens included; the
  /// model's `max_position_embeddings`.
  public var maxLength: Int = 512
  /// Words longer than this many Unicode scalars become the unknown token.
  public var maxInputCharactersPerWord: Int = 100
  /// Stands for a word the vocabulary cannot spell.
  public var unknownToken: String = "[UNK]"
  /// Starts every encoding.
  public var classifierToken: String = "[CLS]"
  /// Ends each text of an encoding.
  public var separatorToken: String = "[SEP]"
  /// Fills batches to a common length.
  public var paddingToken: String = "[PAD]"
  /// Stands for a hidden word in masked-language-model training.
  public var maskToken: String = "[MASK]"
  /// Further tokens kept whole when they appear in a text.
  public var additionalSpecialTokens: [String] = []

  /// Creates the options of an uncased BERT.
  public init() {}

  /// Whether accents are stripped, with `stripsAccents` resolved.
  var stripsAccentsResolved: Bool { stripsAccents ?? lowercases }

  /// Every special token, which a text may spell out to mean that token.
  var specialTokens: [String] {
    [unknownToken, classifierToken, separatorToken, paddingToken, maskToken] + additionalSpecialTokens
  }
}
