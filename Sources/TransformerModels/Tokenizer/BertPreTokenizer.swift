/// BERT's pre-tokenization: words are runs between whitespace, and every
/// punctuation scalar is a word of its own.
enum BertPreTokenizer {
  /// The words of normalized `scalars`, as ranges into it.
  static func words(in scalars: [Unicode.Scalar]) -> [Range<Int>] {
    var words: [Range<Int>] = []
    var start = 0
    for index in scalars.indices {
      let scalar = scalars[index]
      if scalar.isBertWhitespace {
        if start < index { words.append(start..<index) }
        start = index + 1
      } else if scalar.isBertPunctuation {
        if start < index { words.append(start..<index) }
        words.append(index..<(index + 1))
        start = index + 1
      }
    }
    if start < scalars.count { words.append(start..<scalars.count) }
    return words
  }
}
