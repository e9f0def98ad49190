/// A text, or a pair of texts, as the word pieces a BERT encoder takes.
///
/// `[CLS] A [SEP]` for one text and `[CLS] A [SEP] B [SEP]` for a pair; the
/// three arrays run in step, one entry per token.
public struct Encoding: Equatable, Sendable {
  /// The word pieces, special tokens included, e.g. `["[CLS]", "play", "##ing", "[SEP]"]`.
  public var tokens: [String]
  /// The vocabulary index of each token.
  public var ids: [Int]
  /// The segment of each token: 0 for `[CLS]`, the first text and its
  /// `[SEP]`; 1 for the second text and the last `[SEP]`.
  public var typeIds: [Int]
  /// Whether tokens were cut to fit the maximum length.
  public var truncated: Bool
  /// How many tokens, special tokens included, the texts make before any cut.
  public var untruncatedLength: Int

  /// Creates an encoding from its parts.
  public init(tokens: [String], ids: [Int], typeIds: [Int], truncated: Bool, untruncatedLength: Int) {
    self.tokens = tokens
    self.ids = ids
    self.typeIds = typeIds
    self.truncated = truncated
    self.untruncatedLength = untruncatedLength
  }
}
