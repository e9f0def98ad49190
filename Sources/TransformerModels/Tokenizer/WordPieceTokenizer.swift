/// BERT's WordPiece tokenizer, as Hugging Face's `BertTokenizer` runs it.
///
/// A text goes through these steps:
/// 1. Special tokens spelled out in the text (`[SEP]`, `[MASK]`) are kept whole.
/// 2. Cleaning: NUL, U+FFFD and control and format scalars go; whitespace
///    becomes a space.
/// 3. CJK ideographs get a space on each side.
/// 4. Accent stripping (NFD, nonspacing marks dropped), then lower-casing,
///    for an uncased model.
/// 5. Words: split at whitespace; each punctuation scalar is a word.
/// 6. WordPiece: each word as the longest tokens that spell it, `##` marking
///    a piece that continues a word; `[UNK]` for a word that cannot be spelled
///    or has more than 100 scalars.
/// 7. `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, cut to the maximum length,
///    longer text first.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(contentsOf: "all-MiniLM-L6-v2")
/// let encoding = try tokenizer.encode("Attention is all you need.")
/// // encoding.tokens: ["[CLS]", "attention", "is", "all", "you", "need", ".", "[SEP]"]
/// ```
public struct WordPieceTokenizer: Sendable {
  /// Normalization, special tokens and maximum length.
  public let options: TokenizerOptions
  let vocabulary: Vocabulary
  private let normalizer: BertNormalizer
  private let wordPiece: WordPiece
  private let specialTokens: SpecialTokenSplitter
  private let classifierID: Int
  private let separatorID: Int

  /// Creates a tokenizer from a vocabulary in id order.
  ///
  /// - Parameters:
  ///   - tokens: the vocabulary; a token's id is its index. It must hold the
  ///     unknown, classifier, separator and padding tokens of `options`.
  ///   - options: normalization, special tokens and maximum length.
  public init(tokens: [String], options: TokenizerOptions = TokenizerOptions()) throws(TokenizerError) {
    try self.init(vocabulary: Vocabulary(tokens: tokens), options: options, path: nil)
  }

  /// - Parameter path: the vocabulary file, for errors.
  init(vocabulary: Vocabulary, options: TokenizerOptions, path: String?) throws(TokenizerError) {
    guard vocabulary.count > 0 else {
      throw TokenizerError(path: path, reason: "empty vocabulary")
    }
    func requiredID(_ token: String) throws(TokenizerError) -> Int {
      guard let id = vocabulary.id(of: token) else {
        throw TokenizerError(path: path, reason: "no \(token) token in the vocabulary")
      }
      return id
    }
    let unknownID = try requiredID(options.unknownToken)
    classifierID = try requiredID(options.classifierToken)
    separatorID = try requiredID(options.separatorToken)
    _ = try requiredID(options.paddingToken)
    guard options.maxLength >= 2 else {
      throw TokenizerError(
        path: path, reason: "maximum length \(options.maxLength) leaves no room for [CLS] and [SEP]")
    }
    guard options.maxInputCharactersPerWord >= 1 else {
      throw TokenizerError(path: path, reason: "max_input_chars_per_word must be at least 1")
    }
    self.options = options
    self.vocabulary = vocabulary
    normalizer = BertNormalizer(options: options)
    wordPiece = WordPiece(
      vocabulary: vocabulary, unknownID: unknownID,
      maxInputCharactersPerWord: options.maxInputCharactersPerWord)
    specialTokens = SpecialTokenSplitter(
      tokens: options.specialTokens.compactMap { token in vocabulary.id(of: token).map { (token, $0) } })
  }

  /// The number of tokens in the vocabulary; every id is below it.
  public var vocabularySize: Int { vocabulary.count }

  /// The token with id `id`.
  public func token(forID id: Int) -> String? {
    vocabulary.tokens.indices.contains(id) ? vocabulary.tokens[id] : nil
  }

  /// The id of `token`, compared scalar for scalar.
  public func id(forToken token: String) -> Int? {
    vocabulary.id(of: token)
  }

  /// The word pieces of `text`, without `[CLS]`, `[SEP]` or truncation.
  public func tokenize(_ text: String) -> [String] {
    pieceIDs(of: text).map { vocabulary.tokens[$0] }
  }

  /// Encodes a text, or a pair of texts, for a BERT encoder.
  ///
  /// Texts too long together are cut, longer text first, to `maxLength`
  /// tokens; `Encoding.truncated` says whether that happened.
  ///
  /// - Parameters:
  ///   - text: the first text; must not be empty.
  ///   - pair: the second text, e.g. a passage for a question; must not be empty.
  ///   - maxLength: the most tokens, special tokens included; the model's
  ///     `options.maxLength` if `nil`, `Int.max` for no limit.
  /// - Returns: tokens, ids and type ids, `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`.
  public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) throws -> Encoding {
    guard !text.isEmpty else {
      throw TokenizerError(path: nil, reason: "empty text")
    }
    if let pair, pair.isEmpty {
      throw TokenizerError(path: nil, reason: "empty pair text")
    }
    let specialCount = pair == nil ? 2 : 3
    let limit = maxLength ?? options.maxLength
    guard limit >= specialCount else {
      throw TokenizerError(
        path: nil, reason: "maximum length \(limit) is less than the \(specialCount) special tokens")
    }
    var first = pieceIDs(of: text)
    var second = pair.map { pieceIDs(of: $0) }
    let untruncatedLength = first.count + (second?.count ?? 0) + specialCount
    let kept = longestFirstLengths(
      firstLength: first.count, secondLength: second?.count, budget: limit - specialCount)
    first.removeSubrange(kept.first...)
    second?.removeSubrange(kept.second...)

    var ids = [classifierID] + first + [separatorID]
    var typeIds = [Int](repeating: 0, count: ids.count)
    if let second {
      ids += second + [separatorID]
      typeIds += [Int](repeating: 1, count: second.count + 1)
    }
    return Encoding(
      tokens: ids.map { vocabulary.tokens[$0] }, ids: ids, typeIds: typeIds,
      truncated: ids.count < untruncatedLength, untruncatedLength: untruncatedLength)
  }

  /// The piece ids of one text: special tokens kept whole, the rest
  /// normalized, split into words and spelled with word pieces.
  func pieceIDs(of text: String) -> [Int] {
    var ids: [Int] = []
    for segment in specialTokens.segments(of: text) {
      switch segment {
      case .special(let id):
        ids.append(id)
      case .text(let scalars):
        let normalized = normalizer.normalize(scalars)
        for word in BertPreTokenizer.words(in: normalized) {
          wordPiece.appendPieces(of: normalized[word], to: &ids)
        }
      }
    }
    return ids
  }
}
