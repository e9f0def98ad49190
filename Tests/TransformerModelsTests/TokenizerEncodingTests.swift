import Foundation
import Testing

@testable import TransformerModels

/// Rule 7: special tokens, type ids, truncation; errors; the JSON line.
@Suite struct TokenizerEncodingTests {
  private let tokenizer: WordPieceTokenizer

  init() throws {
    tokenizer = try tinyTokenizer(["a", "b", "c", "d", "e", "f", "x", "y", "z"])
  }

  @Test func singleTextIsClassifierTextSeparator() throws {
    let encoding = try tokenizer.encode("a b c")
    #expect(encoding.tokens == ["[CLS]", "a", "b", "c", "[SEP]"])
    #expect(encoding.ids == [2, 5, 6, 7, 3])
    #expect(encoding.typeIds == [0, 0, 0, 0, 0])
    #expect(!encoding.truncated && encoding.untruncatedLength == 5)
  }

  @Test func pairTypeIdsMarkTheSecondTextAndItsSeparator() throws {
    let encoding = try tokenizer.encode("a b", pair: "x y z")
    #expect(encoding.tokens == ["[CLS]", "a", "b", "[SEP]", "x", "y", "z", "[SEP]"])
    #expect(encoding.typeIds == [0, 0, 0, 0, 1, 1, 1, 1])
  }

  @Test func textThatCleansToNothingIsJustTheSpecialTokens() throws {
    #expect(try tokenizer.encode("\u{200B}\u{0}").tokens == ["[CLS]", "[SEP]"])
    #expect(try tokenizer.encode(" \t").tokens == ["[CLS]", "[SEP]"])
  }

  @Test func emptyTextIsAnError() {
    #expect(throws: TokenizerError(path: nil, reason: "empty text")) { try tokenizer.encode("") }
    #expect(throws: TokenizerError(path: nil, reason: "empty pair text")) {
      try tokenizer.encode("a", pair: "")
    }
  }

  @Test func maximumLengthTooSmallForTheSpecialTokensIsAnError() throws {
    #expect(throws: TokenizerError.self) { try tokenizer.encode("a", pair: "b", maxLength: 2) }
    #expect(throws: TokenizerError.self) { try tokenizer.encode("a", maxLength: 1) }
    let bare = try tokenizer.encode("a b", maxLength: 2)
    #expect(bare.tokens == ["[CLS]", "[SEP]"] && bare.truncated && bare.untruncatedLength == 4)
  }

  @Test func singleTextKeepsItsStart() throws {
    let encoding = try tokenizer.encode("a b c d e f", maxLength: 5)
    #expect(encoding.tokens == ["[CLS]", "a", "b", "c", "[SEP]"])
    #expect(encoding.truncated && encoding.untruncatedLength == 8)
    #expect(!(try tokenizer.encode("a b c", maxLength: 5)).truncated)
  }

  @Test func pairCutsTheLongerTextFirst() throws {
    // Budget 4: the short text keeps both tokens, the long one the rest.
    let encoding = try tokenizer.encode("a b c d e f", pair: "x y", maxLength: 7)
    #expect(encoding.tokens == ["[CLS]", "a", "b", "[SEP]", "x", "y", "[SEP]"])
    #expect(encoding.typeIds == [0, 0, 0, 0, 1, 1, 1])
    #expect(encoding.truncated && encoding.untruncatedLength == 11)
    let swapped = try tokenizer.encode("x", pair: "a b c d e f", maxLength: 7)
    #expect(swapped.tokens == ["[CLS]", "x", "[SEP]", "a", "b", "c", "[SEP]"])
  }

  @Test func jsonLineEscapesWhatJSONRequires() throws {
    let tokens = ["plain", "quote\"", "back\\slash", "\u{1}\u{1F}", "tab\tnew\nline\r", "é中😀", "/"]
    let encoding = Encoding(
      tokens: tokens, ids: Array(0..<7), typeIds: [0, 0, 0, 1, 1, 1, 1], truncated: false,
      untruncatedLength: 7)
    let line = encoding.json
    #expect(!line.contains("\n"))
    #expect(line.hasPrefix("{\"tokens\":["))
    // Non-ASCII is written as UTF-8, not as \u escapes.
    #expect(line.contains("é中😀"))
    #expect(line.contains("\\u0001\\u001f"))
    let parsed = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    #expect((parsed["tokens"] as? [String])?.map(scalars) == tokens.map(scalars))
    #expect(parsed["ids"] as? [Int] == Array(0..<7))
    #expect(parsed["type_ids"] as? [Int] == [0, 0, 0, 1, 1, 1, 1])
  }
}

/// The longest-first split of a length budget between two texts.
@Suite struct TokenizerTruncationTests {
  // Splits from tokenizers' `truncate_encodings` (LongestFirst); the first two
  // are also in hf_encodings.json as "pair both long" and "pair uneven long".
  @Test func splitsOfTheFastTokenizer() {
    #expect(longestFirstLengths(firstLength: 600, secondLength: 600, budget: 509) == (254, 255))
    #expect(longestFirstLengths(firstLength: 300, secondLength: 400, budget: 509) == (254, 255))
    #expect(longestFirstLengths(firstLength: 400, secondLength: 300, budget: 509) == (255, 254))
    #expect(longestFirstLengths(firstLength: 10, secondLength: 1000, budget: 509) == (10, 499))
    #expect(longestFirstLengths(firstLength: 1000, secondLength: 10, budget: 509) == (499, 10))
    #expect(longestFirstLengths(firstLength: 500, secondLength: 9, budget: 509) == (500, 9))
    #expect(longestFirstLengths(firstLength: 700, secondLength: nil, budget: 510) == (510, 0))
    #expect(longestFirstLengths(firstLength: 3, secondLength: nil, budget: 510) == (3, 0))
    #expect(longestFirstLengths(firstLength: 5, secondLength: 5, budget: 0) == (0, 0))
  }

  @Test func randomSplitsKeepTheBudgetAndCutTheLongerText() {
    var generator = SplitMix64(seed: 7)
    for _ in 0..<20_000 {
      let first = Int.random(in: 0...700, using: &generator)
      let second = Int.random(in: 0...700, using: &generator)
      let budget = Int.random(in: 0...600, using: &generator)
      let kept = longestFirstLengths(firstLength: first, secondLength: second, budget: budget)
      #expect(kept.first <= first && kept.second <= second && kept.first >= 0 && kept.second >= 0)
      #expect(kept.first + kept.second == min(first + second, budget))
      guard first + second > budget else { continue }
      let shorter = min(first, second)
      let shorterKept = first <= second ? kept.first : kept.second
      let longerKept = first <= second ? kept.second : kept.first
      if shorterKept == shorter {
        // The shorter text whole only while the longer can keep as many.
        #expect(longerKept >= shorter)
      } else {
        // Otherwise halves, the odd token to the longer (second on a tie).
        #expect(longerKept - shorterKept == budget % 2, "\(first) \(second) \(budget) → \(kept)")
      }
    }
  }
}
