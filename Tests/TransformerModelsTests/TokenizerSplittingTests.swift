import Testing

@testable import TransformerModels

/// Rules 3, 5 and 6: words, punctuation, WordPiece; and special tokens in text.
///
/// Word splits and special-token handling agree with the fast tokenizer
/// (tokenizers 0.23.3) for all-MiniLM-L6-v2.
@Suite struct TokenizerSplittingTests {
  @Test func wordsSplitAtWhitespace() {
    #expect(words("  Hello   big\tworld \n") == ["hello", "big", "world"])
    #expect(words("") == [])
    #expect(words(" \u{3000} ") == [])
  }

  @Test func asciiPunctuationAndSymbolsAreWords() {
    #expect(words("hello, world!") == ["hello", ",", "world", "!"])
    #expect(words("$5+3^2`~|{}") == ["$", "5", "+", "3", "^", "2", "`", "~", "|", "{", "}"])
    #expect(words("can't") == ["can", "'", "t"])
    #expect(words("a--b") == ["a", "-", "-", "b"])
  }

  @Test func unicodePunctuationIsAWord() {
    #expect(
      words("a«b»c¿d‐e…f、g。h„i") == [
        "a", "«", "b", "»", "c", "¿", "d", "‐", "e", "…", "f", "、", "g", "。", "h", "„", "i",
      ])
    // Unicode symbols (S*) are not punctuation outside ASCII.
    #expect(words("a©b€c±d→e") == ["a©b€c±d→e"])
    // Punctuation from Unicode 11 is not punctuation to 8.0 tables.
    #expect(words("a\u{2E4F}b") == ["a\u{2E4F}b"])
  }

  @Test func greedyLongestMatchFirst() throws {
    let tokenizer = try tinyTokenizer(["un", "##a", "##af", "##aff", "##able", "a", "u"])
    #expect(tokenizer.tokenize("unaffable") == ["un", "##aff", "##able"])
  }

  @Test func noBacktrackingWhenTheLongestStartDeadEnds() throws {
    // "a" + "##bcd" would spell it, but greedy takes "abc" and then fails.
    let tokenizer = try tinyTokenizer(["abc", "a", "##bcd"])
    #expect(tokenizer.tokenize("abcd") == ["[UNK]"])
    #expect(tokenizer.tokenize("abc abcd a") == ["abc", "[UNK]", "a"])
  }

  @Test func startAndContinuationPiecesAreDistinct() throws {
    #expect(try tinyTokenizer(["##ab"]).tokenize("ab") == ["[UNK]"])
    #expect(try tinyTokenizer(["ab", "cd"]).tokenize("abcd") == ["[UNK]"])
    #expect(try tinyTokenizer(["ab", "##cd"]).tokenize("abcd cd") == ["ab", "##cd", "[UNK]"])
  }

  @Test func wordsLongerThan100ScalarsAreUnknown() throws {
    let tokenizer = try tinyTokenizer(["a", "##a"])
    #expect(
      tokenizer.tokenize(String(repeating: "a", count: 100)) == ["a"] + Array(repeating: "##a", count: 99))
    #expect(tokenizer.tokenize(String(repeating: "a", count: 101) + " a") == ["[UNK]", "a"])
  }

  @Test func wordLengthCountsScalarsNotCharacters() throws {
    // 51 characters, 102 scalars: too long for the reference, which counts code points.
    let tokenizer = try tinyTokenizer(["e", "##e", "##\u{301}"], options: casedOptions)
    let fifty = String(repeating: "e\u{301}", count: 50)
    #expect(tokenizer.tokenize(fifty).count == 100)
    #expect(tokenizer.tokenize(fifty + "e\u{301}") == ["[UNK]"])
  }

  @Test func wordLengthLimitIsAnOption() throws {
    var options = TokenizerOptions()
    options.maxInputCharactersPerWord = 5
    let tokenizer = try tinyTokenizer(["a", "##a"], options: options)
    #expect(tokenizer.tokenize("aaaaa").count == 5)
    #expect(tokenizer.tokenize("aaaaaa") == ["[UNK]"])
  }

  @Test func vocabularyLookupComparesScalars() throws {
    let composed = "caf\u{E9}"
    let decomposed = "cafe\u{301}"
    let tokenizer = try tinyTokenizer([composed, decomposed], options: casedOptions)
    #expect(tokenizer.id(forToken: composed) == 5)
    #expect(tokenizer.id(forToken: decomposed) == 6)
    #expect(try tokenizer.encode(decomposed).ids == [2, 6, 3])
    #expect(try tokenizer.encode(composed).ids == [2, 5, 3])
  }

  @Test func specialTokensInTextAreKeptWhole() throws {
    let tokenizer = try tinyTokenizer(["a", "b", "[", "]", "sep", "x", "y"])
    #expect(tokenizer.tokenize("a [SEP] b") == ["a", "[SEP]", "b"])
    #expect(tokenizer.tokenize("x[MASK]y[PAD]") == ["x", "[MASK]", "y", "[PAD]"])
    // Case-sensitive, and matched before lower-casing.
    #expect(tokenizer.tokenize("[sep]") == ["[", "sep", "]"])
    #expect(tokenizer.tokenize("[Sep]") == ["[", "sep", "]"])
    // A combining accent after a special token belongs to the text after it.
    #expect(tokenizer.tokenize("[SEP]\u{301}a") == ["[SEP]", "a"])
    #expect(tokenizer.tokenize("[[SEP]]") == ["[", "[SEP]", "]"])
  }

  @Test func longestSpecialTokenWins() throws {
    var options = TokenizerOptions()
    options.additionalSpecialTokens = ["[SEP]x"]
    let tokenizer = try tinyTokenizer(["[SEP]x", "x", "y"], options: options)
    #expect(tokenizer.tokenize("[SEP]x [SEP]y") == ["[SEP]x", "[SEP]", "y"])
  }
}
