/// Turns generated token ids into text as they come, holding back the bytes
/// of a character that is split across tokens until it is complete.
///
/// ```swift
/// var decoder = ByteLevelBPEStreamDecoder(tokenizer: tokenizer)
/// for id in generated { print(decoder.append(id), terminator: "") }
/// print(decoder.finish())
/// ```
///
/// The texts it returns, joined, are `tokenizer.decode(ids)`.
public struct ByteLevelBPEStreamDecoder: Sendable {
  private let tokenizer: ByteLevelBPETokenizer
  /// Bytes of the last character, not yet complete.
  private var pending: [UInt8] = []

  /// Creates a decoder with nothing pending.
  public init(tokenizer: ByteLevelBPETokenizer) {
    self.tokenizer = tokenizer
  }

  /// The text that token `id` completes: the characters whose last byte it
  /// holds (bytes that can never form a character as U+FFFD), or its text
  /// for a special token, after any bytes still pending. Empty while a
  /// character is incomplete; an id out of range adds nothing.
  public mutating func append(_ id: Int) -> String {
    guard id >= 0 && id < tokenizer.vocabularySize else { return "" }
    if tokenizer.isSpecial(id) {
      return finish() + (tokenizer.piece(for: id) ?? "")
    }
    pending += tokenizer.bytes(for: id)
    let held = UTF8Sequences.incompleteTailLength(of: pending)
    let text = String(decoding: pending[..<(pending.count - held)], as: UTF8.self)
    pending.removeFirst(pending.count - held)
    return text
  }

  /// The pending bytes as text (U+FFFD for an incomplete character), and
  /// nothing pending after.
  public mutating func finish() -> String {
    defer { pending.removeAll() }
    return String(decoding: pending, as: UTF8.self)
  }
}
