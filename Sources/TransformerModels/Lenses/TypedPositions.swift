import Foundation

extension HeadIndex {
  /// Heads as people type them: `layer.head` from 1, comma-separated
  /// (`"3.7,5.2"`), as the command line and the server take them.
  ///
  /// - Throws: `LensError` naming the item that is not such a head.
  public static func parseList(_ list: String) throws -> Set<HeadIndex> {
    var heads = Set<HeadIndex>()
    for item in list.split(separator: ",", omittingEmptySubsequences: false) {
      let parts = item.split(separator: ".", omittingEmptySubsequences: false).map {
        Int($0.trimmingCharacters(in: .whitespaces))
      }
      guard parts.count == 2, let layer = parts[0], let head = parts[1], layer >= 1, head >= 1 else {
        throw LensError("\"\(item)\" is not a head as layer.head from 1, like 3.7")
      }
      heads.insert(HeadIndex(layer: layer - 1, head: head - 1))
    }
    return heads
  }
}

/// A span as people type it: `"a-b"` or `"a"`, positions from 0 and both
/// ends included, as `attn tokenize` numbers the tokens.
///
/// - Parameters:
///   - count: the positions there are; the span must lie in `0..<count`.
///   - what: what the positions are, for the refusal: "tokens", "words".
/// - Throws: `LensError` for text that is not a span, or one past the end.
public func parseSpan(_ text: String, count: Int, of what: String) throws -> Range<Int> {
  let parts = text.split(separator: "-", omittingEmptySubsequences: false).map {
    Int($0.trimmingCharacters(in: .whitespaces))
  }
  guard (1...2).contains(parts.count), let first = parts[0], let last = parts[parts.count - 1], first <= last,
    first >= 0
  else {
    throw LensError("give positions from 0 as a-b or a, e.g. 3-5")
  }
  guard last < count else { throw LensError("the text has \(what) 0-\(count - 1)") }
  return first..<(last + 1)
}
