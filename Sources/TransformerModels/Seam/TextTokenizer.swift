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
}
