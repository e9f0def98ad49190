/// Splits text into the labelled tokens a model reads.
public protocol TextTokenizer: Sendable {
  /// The most tokens an encoding holds, special tokens included; longer
  /// texts are cut to it, and the encoding says so.
  var maxLength: Int { get }

  /// The tokens of `text`, or of the pair `text`, `pair` for a model that
  /// reads two texts.
  ///
  /// - Throws: an error that names the problem with the text.
  func encode(_ text: String, pair: String?) throws -> Encoding

  /// Whether `label` (as `Encoding.tokens` spells it) is one of the
  /// tokenizer's special tokens (`[CLS]`, `<|im_start|>`), not a piece of text.
  func isSpecialToken(_ label: String) -> Bool

  /// The word each token of `encoding` belongs to, numbered from 0 in
  /// order: the pieces a word was split into share its number; a special
  /// token is a word of its own.
  func wordIDs(of encoding: Encoding) -> [Int]
}

/// A tokenizer whose ids turn back into text: what a model that writes needs.
public protocol TextDecodingTokenizer: TextTokenizer {
  /// The token's label, as `Encoding.tokens` spells it.
  func label(for id: Int) -> String
  /// The text of `ids` as a whole (a character split over several ids
  /// comes out once all of its bytes are there).
  func decode(_ ids: [Int]) -> String
  /// The id that ends a sequence, if the vocabulary has one.
  var endOfSequenceID: Int? { get }
}
