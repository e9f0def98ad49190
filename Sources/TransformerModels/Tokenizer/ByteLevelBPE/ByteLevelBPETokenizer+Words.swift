extension ByteLevelBPETokenizer {
  /// The word of each token: a special token is a word of its own; the
  /// other tokens belong to the pre-tokenizer's piece (" cat", ",", " 2"),
  /// or CJK ideograph, in which their first byte lies, found by running the pre-tokenizer
  /// over the bytes the tokens spell. Any token sequence has words this
  /// way, written tokens included; a stretch whose bytes are not UTF-8
  /// gives each of its tokens a word.
  public func wordIDs(of encoding: Encoding) -> [Int] {
    var words: [Int] = []
    words.reserveCapacity(encoding.ids.count)
    var next = 0
    var stretch: [Int] = []
    func flush() {
      defer { stretch.removeAll() }
      guard !stretch.isEmpty else { return }
      let spelled = stretch.map { bytes(for: $0) }
      let all = Array(spelled.joined())
      let text = String(validating: all, as: UTF8.self)
      let scalars = text.map { Array($0.unicodeScalars) } ?? []
      let (buffer, pieces) = preTokenizer.pieces(of: scalars)
      guard text != nil, buffer.count == scalars.count else {
        for _ in stretch {
          words.append(next)
          next += 1
        }
        return
      }
      // The byte offset where each piece starts.
      var offsets: [Int] = []
      var offset = 0
      var scalarOffsets = [Int](repeating: 0, count: scalars.count + 1)
      for (index, scalar) in scalars.enumerated() {
        scalarOffsets[index] = offset
        offset += UTF8.width(scalar)
      }
      scalarOffsets[scalars.count] = offset
      // CJK text by character: each ideograph is a word of its own, as the
      // WordPiece path spaces them apart, however the pre-tokenizer runs them together.
      let split = pieces.flatMap { piece -> [Range<Int>] in
        var parts: [Range<Int>] = []
        var start = piece.lowerBound
        for index in piece where scalars[index].isCJKIdeograph {
          if start < index { parts.append(start..<index) }
          parts.append(index..<index + 1)
          start = index + 1
        }
        if start < piece.upperBound { parts.append(start..<piece.upperBound) }
        return parts
      }
      offsets = split.map { scalarOffsets[$0.lowerBound] }
      var piece = 0
      var first = 0
      var lastPiece = -1
      for bytes in spelled {
        while piece + 1 < offsets.count, offsets[piece + 1] <= first { piece += 1 }
        if piece != lastPiece {
          next += lastPiece == -1 ? 0 : 1
          lastPiece = piece
        }
        words.append(next)
        first += bytes.count
      }
      next += 1
    }
    for (id, label) in zip(encoding.ids, encoding.tokens) {
      if isSpecial(id) || isSpecialToken(label) {
        flush()
        words.append(next)
        next += 1
      } else {
        stretch.append(id)
      }
    }
    flush()
    return words
  }
}
