/// Greedy longest-match-first WordPiece: a word is spelled with the longest
/// vocabulary token that starts it, then the longest `##` token that goes on
/// from there, and so on; a word that cannot be spelled this way, or is too
/// long, is one unknown token.
struct WordPiece: Sendable {
  let vocabulary: Vocabulary
  let unknownID: Int
  let maxInputCharactersPerWord: Int

  /// Appends the pieces of `word` to `ids`.
  ///
  /// - Parameters:
  ///   - word: scalars of one pre-tokenized word.
  ///   - ids: the ids so far; the word's piece ids go on the end.
  func appendPieces(of word: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
    guard word.count <= maxInputCharactersPerWord else {
      ids.append(unknownID)
      return
    }
    let firstPiece = ids.count
    var start = word.startIndex
    while start < word.endIndex {
      let continuing = start > word.startIndex
      let longest = continuing ? vocabulary.longestContinuation : vocabulary.longestToken
      var end = min(word.endIndex, start + longest)
      var match: Int?
      while start < end {
        if let id = vocabulary.id(of: word[start..<end], continuing: continuing) {
          match = id
          break
        }
        end -= 1
      }
      guard let match else {
        ids.removeSubrange(firstPiece...)
        ids.append(unknownID)
        return
      }
      ids.append(match)
      start = end
    }
  }
}
