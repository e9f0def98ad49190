/// Finds special tokens spelled out in raw text, such as `[SEP]` or `[MASK]`,
/// which mean that token rather than the word pieces of their letters.
///
/// As in the reference, matching is exact and case-sensitive, happens before
/// normalization, and takes the leftmost, then longest, match.
struct SpecialTokenSplitter: Sendable {
  /// A stretch of raw text: ordinary text to normalize, or a special token.
  enum Segment {
    /// Scalars of the text, cut at scalar (not character) boundaries.
    case text(Substring.UnicodeScalarView)
    case special(id: Int)
  }

  private let patterns: [(bytes: [UInt8], id: Int)]
  private var firstBytes: Set<UInt8> = []

  /// - Parameter tokens: the special tokens and their ids.
  init(tokens: [(token: String, id: Int)]) {
    patterns = tokens.filter { !$0.token.isEmpty }
      .map { (Array($0.token.utf8), $0.id) }
      .sorted { $0.bytes.count > $1.bytes.count }
    firstBytes = Set(patterns.map { $0.bytes[0] })
  }

  /// `text` cut into ordinary stretches and special tokens, in order.
  func segments(of text: String) -> [Segment] {
    let utf8 = Array(text.utf8)
    if patterns.isEmpty || !utf8.contains(where: firstBytes.contains) {
      return [.text(text.unicodeScalars[...])]
    }
    var segments: [Segment] = []
    var textStart = 0
    var position = 0
    while position < utf8.count {
      guard firstBytes.contains(utf8[position]),
        let pattern = patterns.first(where: { matches($0.bytes, in: utf8, at: position) })
      else {
        position += 1
        continue
      }
      if textStart < position {
        segments.append(.text(substring(of: text, utf8: textStart..<position)))
      }
      segments.append(.special(id: pattern.id))
      position += pattern.bytes.count
      textStart = position
    }
    if textStart < utf8.count {
      segments.append(.text(substring(of: text, utf8: textStart..<utf8.count)))
    }
    return segments
  }

  private func matches(_ pattern: [UInt8], in utf8: [UInt8], at position: Int) -> Bool {
    guard position + pattern.count <= utf8.count else { return false }
    for offset in pattern.indices where utf8[position + offset] != pattern[offset] {
      return false
    }
    return true
  }

  /// The scalars of `text` between two UTF-8 offsets, which lie on scalar
  /// boundaries because a pattern is whole UTF-8. A special token may end
  /// inside a character (`[SEP]` then a combining accent), so the cut is
  /// made in the scalar view, which does not round to characters.
  private func substring(of text: String, utf8 range: Range<Int>) -> Substring.UnicodeScalarView {
    let lower = text.utf8.index(text.utf8.startIndex, offsetBy: range.lowerBound)
    let upper = text.utf8.index(lower, offsetBy: range.count)
    return text.unicodeScalars[lower..<upper]
  }
}
