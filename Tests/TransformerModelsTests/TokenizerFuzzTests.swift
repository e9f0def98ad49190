import Foundation
import Testing

@testable import TransformerModels

/// Seeded random text from many Unicode blocks through the all-MiniLM-L6-v2
/// tokenizer: no traps, ids in range, the encoding's shape, and invariances
/// the rules imply.
@Suite struct TokenizerFuzzTests {
  /// Blocks to draw scalars from, (first, last); surrogates are skipped.
  private static let blocks: [ClosedRange<UInt32>] = [
    0x20...0x7E, 0x00...0x1F, 0x7F...0xFF, 0x100...0x24F, 0x250...0x2FF, 0x300...0x36F, 0x370...0x3FF,
    0x400...0x4FF, 0x530...0x58F, 0x590...0x5FF, 0x600...0x6FF, 0x900...0x97F, 0xE00...0xE7F,
    0x10A0...0x10FF, 0x1100...0x11FF, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x1E00...0x1EFF, 0x1F00...0x1FFF,
    0x2000...0x206F, 0x20A0...0x20FF, 0x2100...0x218F, 0x2200...0x22FF, 0x2E00...0x2E7F, 0x3000...0x30FF,
    0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA640...0xA69F, 0xAC00...0xD7A3, 0xD7B0...0xDFFF, 0xE000...0xF8FF,
    0xF900...0xFAFF, 0xFB00...0xFDFF, 0xFE00...0xFE6F, 0xFF00...0xFFFF, 0x10000...0x1007F,
    0x1D400...0x1D7FF, 0x1E900...0x1E95F, 0x1F000...0x1FAFF, 0x20000...0x2A6DF, 0x2A700...0x2CEAF,
    0x2CEB0...0x323AF, 0x2F800...0x2FA1F, 0xE0000...0xE01EF, 0xF0000...0x10FFFF,
  ]

  private static func randomText(length: Int, using generator: inout SplitMix64) -> String {
    var text = ""
    while text.unicodeScalars.count < length {
      if Int.random(in: 0..<7, using: &generator) == 0 {
        text.unicodeScalars.append(" ")
        continue
      }
      let block = blocks.randomElement(using: &generator)!
      if let scalar = Unicode.Scalar(UInt32.random(in: block, using: &generator)) {
        text.unicodeScalars.append(scalar)
      }
    }
    return text
  }

  @Test func randomTextsEncodeToWellFormedEncodings() throws {
    let tokenizer = try miniLMTokenizer.get()
    var generator = SplitMix64(seed: 0x5EED_0001)
    for _ in 0..<1500 {
      let text = Self.randomText(length: Int.random(in: 1...60, using: &generator), using: &generator)
      let encoding = try tokenizer.encode(text)
      #expect(encoding.ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) })
      #expect(encoding.tokens == encoding.ids.map { tokenizer.token(forID: $0)! })
      #expect(encoding.ids.first == 101 && encoding.ids.last == 102)
      #expect(encoding.typeIds == Array(repeating: 0, count: encoding.ids.count))
      #expect(!encoding.truncated && encoding.untruncatedLength == encoding.ids.count)
      #expect(Array(encoding.tokens.dropFirst().dropLast()) == tokenizer.tokenize(text))
    }
  }

  @Test func randomPairsTruncateToTheirPrefixes() throws {
    let tokenizer = try miniLMTokenizer.get()
    var generator = SplitMix64(seed: 0x5EED_0002)
    for _ in 0..<600 {
      let text = Self.randomText(length: Int.random(in: 1...40, using: &generator), using: &generator)
      let pair = Self.randomText(length: Int.random(in: 1...40, using: &generator), using: &generator)
      let maxLength = Int.random(in: 3...30, using: &generator)
      let encoding = try tokenizer.encode(text, pair: pair, maxLength: maxLength)
      let first = tokenizer.tokenize(text)
      let second = tokenizer.tokenize(pair)
      let kept = longestFirstLengths(
        firstLength: first.count, secondLength: second.count, budget: maxLength - 3)
      let expected = ["[CLS]"] + first.prefix(kept.first) + ["[SEP]"] + second.prefix(kept.second) + ["[SEP]"]
      #expect(encoding.tokens == expected)
      #expect(
        encoding.typeIds == Array(repeating: 0, count: kept.first + 2)
          + Array(repeating: 1, count: kept.second + 1))
      #expect(encoding.ids.count <= maxLength)
      #expect(encoding.untruncatedLength == first.count + second.count + 3)
      #expect(encoding.truncated == (encoding.untruncatedLength > maxLength))
    }
  }

  /// Any whitespace between words, and any letter case, encode alike in an
  /// uncased model; so does a text and its canonical decomposition.
  @Test func whitespaceCaseAndDecompositionDoNotMatter() throws {
    let tokenizer = try miniLMTokenizer.get()
    var generator = SplitMix64(seed: 0x5EED_0003)
    let spaces: [Unicode.Scalar] = ["\t", "\n", "\r", "\u{A0}", "\u{2003}", "\u{3000}", "\u{2028}"]
    for _ in 0..<800 {
      let text = Self.randomText(length: Int.random(in: 1...40, using: &generator), using: &generator)
      let reference = try tokenizer.encode(text).ids
      var respaced = ""
      for scalar in text.unicodeScalars {
        respaced.unicodeScalars.append(scalar == " " ? spaces.randomElement(using: &generator)! : scalar)
      }
      respaced += "  "
      #expect(try tokenizer.encode(respaced).ids == reference)
      // Upper-casing ASCII could turn "[sep]" into a special token; random
      // text with no bracket cannot.
      if !text.contains("[") {
        var shouted = ""
        for scalar in text.unicodeScalars {
          let value = scalar.value
          shouted.unicodeScalars.append(
            (0x61...0x7A).contains(value) ? Unicode.Scalar(value - 0x20)! : scalar)
        }
        #expect(try tokenizer.encode(shouted).ids == reference)
      }
      // Only the decomposed form: Foundation's NFC on Linux composes U+1004B
      // U+0301 into U+1E30, as if the base were U+004B.
      #expect(try tokenizer.encode(text.decomposedStringWithCanonicalMapping).ids == reference)
    }
  }

  /// The bounded search beside a plain one that tries every end from the
  /// end of the word, with code-point keys, as the reference does.
  @Test func wordPieceMatchesAPlainSearch() throws {
    let tokenizer = try miniLMTokenizer.get()
    let tokens = tokenizer.vocabulary.tokens
    var plainIDs: [[UInt32]: Int] = [:]
    for (id, token) in tokens.enumerated() {
      plainIDs[token.unicodeScalars.map(\.value)] = id
    }
    let prefix = "##".unicodeScalars.map(\.value)
    func plainPieces(_ word: [Unicode.Scalar]) -> [Int] {
      guard word.count <= 100 else { return [100] }
      var pieces: [Int] = []
      var start = 0
      while start < word.count {
        var end = word.count
        var match: Int?
        while start < end {
          let key = (start > 0 ? prefix : []) + word[start..<end].map(\.value)
          if let id = plainIDs[key] {
            match = id
            break
          }
          end -= 1
        }
        guard let match else { return [100] }
        pieces.append(match)
        start = end
      }
      return pieces
    }

    let wordPiece = WordPiece(
      vocabulary: tokenizer.vocabulary, unknownID: 100, maxInputCharactersPerWord: 100)
    var generator = SplitMix64(seed: 0x5EED_0004)
    for _ in 0..<3000 {
      // Glue vocabulary tokens together, sometimes with a stray scalar.
      var word: [Unicode.Scalar] = []
      for _ in 0..<Int.random(in: 1...6, using: &generator) {
        let token = tokens.randomElement(using: &generator)!
        word += token.hasPrefix("##") ? Array(token.unicodeScalars.dropFirst(2)) : Array(token.unicodeScalars)
        if Int.random(in: 0..<8, using: &generator) == 0 {
          word.append(Unicode.Scalar(UInt32.random(in: 0x61...0x24F, using: &generator))!)
        }
      }
      if Int.random(in: 0..<20, using: &generator) == 0 {
        word += Array(repeating: "a", count: Int.random(in: 80...120, using: &generator))
      }
      var pieces: [Int] = []
      wordPiece.appendPieces(of: word[...], to: &pieces)
      #expect(pieces == plainPieces(word), "\(String(String.UnicodeScalarView(word)))")
    }
  }
}
