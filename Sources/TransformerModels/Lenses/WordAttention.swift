import AttentionCore

/// Attention between words rather than word pieces, as Clark et al. (2019)
/// make it: the attention *to* a word is the sum over its pieces' columns,
/// the attention *from* a word the mean over its pieces' rows, so that each
/// word's row still sums to 1.
///
/// Legend: `N` layers, `H` heads, `L` tokens, `W` words.
///
/// - Parameters:
///   - attention: a run's maps `[N, H, L, L]` (or any lens of them) and its tokens.
///   - wordIDs: `[L]`, the word of each token, from 0 and in order
///     (`TextTokenizer.wordIDs(of:)`).
/// - Returns: `[N, H, W, W]`, labelled by the words: their pieces joined,
///   without the `##` that marks a piece inside a word.
/// - Throws: `LensError` when `wordIDs` is not one per token, counting up from 0 by steps of 0 or 1.
public func wordAttention(_ attention: ModelAttention, wordIDs: [Int]) throws -> ModelAttention {
  let length = attention.tokens.count
  guard wordIDs.count == length, wordIDs.first == 0,
    zip(wordIDs, wordIDs.dropFirst()).allSatisfy({ $1 == $0 || $1 == $0 + 1 })
  else {
    throw LensError("word ids \(wordIDs) are not one per token of \(length), numbered up from 0 in order")
  }
  let wordCount = wordIDs.last! + 1
  var labels = [String](repeating: "", count: wordCount)
  var sizes = [Int](repeating: 0, count: wordCount)
  for (token, word) in zip(attention.tokens, wordIDs) {
    labels[word] += sizes[word] > 0 && token.hasPrefix("##") ? String(token.dropFirst(2)) : token
    sizes[word] += 1
  }
  let maps = attention.attentions.shape[0] * attention.attentions.shape[1]
  var result = [Float](repeating: 0, count: maps * wordCount * wordCount)
  attention.attentions.scalars.withUnsafeBufferPointer { source in
    for map in 0..<maps {
      for row in 0..<length {
        let weight = 1 / Float(sizes[wordIDs[row]])
        let target = (map * wordCount + wordIDs[row]) * wordCount
        let from = (map * length + row) * length
        for column in 0..<length { result[target + wordIDs[column]] += source[from + column] * weight }
      }
    }
  }
  return ModelAttention(
    tokens: labels,
    attentions: Tensor(
      shape: [attention.attentions.shape[0], attention.attentions.shape[1], wordCount, wordCount], scalars: result),
    kind: attention.kind)
}

/// The attention from and to a span of tokens: for each map, the weights
/// its queries in `span` give every key, summed over the span's rows
/// (`from`), and the weights every query gives the keys in `span`, summed
/// over the span's columns (`to`).
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// - Parameters:
///   - maps: `[N, H, L, L]`.
///   - span: token positions, within `0..<L`, not empty.
/// - Returns: `from` and `to`, each `[N, H, L]`.
/// - Throws: `LensError` for an empty span or one past the tokens.
public func spanAttention(_ maps: Tensor, span: Range<Int>) throws -> (from: Tensor, to: Tensor) {
  guard maps.rank == 4, maps.shape[2] == maps.shape[3] else {
    throw LensError("span attention needs [layers, heads, L, L], got \(maps.shape)")
  }
  let length = maps.shape[3]
  guard !span.isEmpty, span.lowerBound >= 0, span.upperBound <= length else {
    throw LensError("span \(span.lowerBound)-\(span.upperBound - 1) is not within tokens 0-\(length - 1)")
  }
  let count = maps.shape[0] * maps.shape[1]
  var from = [Float](repeating: 0, count: count * length)
  var to = [Float](repeating: 0, count: count * length)
  maps.scalars.withUnsafeBufferPointer { source in
    for map in 0..<count {
      for row in 0..<length {
        let start = (map * length + row) * length
        if span.contains(row) {
          for column in 0..<length { from[map * length + column] += source[start + column] }
        }
        for column in span { to[map * length + row] += source[start + column] }
      }
    }
  }
  let shape = [maps.shape[0], maps.shape[1], length]
  return (Tensor(shape: shape, scalars: from), Tensor(shape: shape, scalars: to))
}
