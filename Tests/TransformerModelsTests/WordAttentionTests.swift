import AttentionTestSupport
import Foundation
import Testing
import TransformerModels

@Suite struct WordAttentionTests {
  /// To a word: the sum of its pieces' columns; from a word: the mean of its
  /// pieces' rows; in Float64 from the definition, on random maps.
  @Test(arguments: [[0, 1, 1, 2, 3, 3, 3, 4], [0], [0, 0, 0], [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 6]])
  func wordsSumTheirColumnsAndAverageTheirRows(wordIDs: [Int]) throws {
    var random = BertTestRandom(seed: 0x30D5 + UInt64(wordIDs.count))
    let (layers, heads, length) = (2, 3, wordIDs.count)
    let scalars = (0..<(layers * heads * length * length)).map { _ in Float(random.normal(deviation: 1).magnitude) }
    let tokens = (0..<length).map { wordIDs[$0] == wordIDs[max($0 - 1, 0)] && $0 > 0 ? "##p\($0)" : "w\($0)" }
    let attention = ModelAttention(
      tokens: tokens, attentions: Tensor(shape: [layers, heads, length, length], scalars: scalars),
      kind: .bidirectional)
    let words = try wordAttention(attention, wordIDs: wordIDs)
    let count = wordIDs.last! + 1
    #expect(words.attentions.shape == [layers, heads, count, count])
    for map in 0..<(layers * heads) {
      for a in 0..<count {
        for b in 0..<count {
          let rows = wordIDs.indices.filter { wordIDs[$0] == a }
          let columns = wordIDs.indices.filter { wordIDs[$0] == b }
          let expected =
            rows.reduce(0.0) { sum, i in
              sum + columns.reduce(0.0) { $0 + Double(scalars[(map * length + i) * length + $1]) }
            } / Double(rows.count)
          let got = Double(words.attentions.scalars[(map * count + a) * count + b])
          #expect(abs(got - expected) < 1e-5 * max(1, abs(expected)))
        }
      }
    }
    // The pieces' labels joined, without the ## inside a word.
    for word in 0..<count {
      let pieces = wordIDs.indices.filter { wordIDs[$0] == word }
      #expect(words.tokens[word] == pieces.map { tokens[$0].replacingOccurrences(of: "##", with: "") }.joined())
    }
  }

  @Test func refusesWordIDsThatDoNotCountUp() {
    let attention = ModelAttention(tokens: ["a", "b"], attentions: Tensor.zeros([1, 1, 2, 2]), kind: .causal)
    for bad in [[0], [1, 1], [0, 2], [1, 0]] {
      #expect(throws: LensError.self) { try wordAttention(attention, wordIDs: bad) }
    }
  }

  @Test func spanSumsItsRowsAndItsColumns() throws {
    var random = BertTestRandom(seed: 0x59A)
    let (layers, heads, length) = (3, 2, 9)
    let scalars = (0..<(layers * heads * length * length)).map { _ in Float(random.normal(deviation: 1)) }
    let maps = Tensor(shape: [layers, heads, length, length], scalars: scalars)
    for span in [2..<5, 0..<1, 8..<9, 0..<9] {
      let (from, to) = try spanAttention(maps, span: span)
      for map in 0..<(layers * heads) {
        for k in 0..<length {
          let rows = span.reduce(0.0) { $0 + Double(scalars[(map * length + $1) * length + k]) }
          let columns = span.reduce(0.0) { $0 + Double(scalars[(map * length + k) * length + $1]) }
          #expect(abs(Double(from.scalars[map * length + k]) - rows) < 1e-5)
          #expect(abs(Double(to.scalars[map * length + k]) - columns) < 1e-5)
        }
      }
    }
    #expect(throws: LensError.self) { try spanAttention(maps, span: 3..<3) }
    #expect(throws: LensError.self) { try spanAttention(maps, span: 7..<10) }
  }

  @Test func wordPiecesContinueTheirWordAndSpecialTokensStandAlone() throws {
    let model = try BertModel(contentsOf: try TinyBert(seed: 0x30D).writeFolder())
    let encoding = Encoding(
      tokens: ["[CLS]", "##x", "the", "##c", "##a", "cat", "[SEP]", "##t"], ids: [2, 1, 5, 1, 1, 6, 3, 1],
      typeIds: Array(repeating: 0, count: 8), truncated: false, untruncatedLength: 8)
    #expect(model.textTokenizer.wordIDs(of: encoding) == [0, 1, 2, 2, 2, 3, 4, 5])
  }

  /// SmolLM2's pre-tokenizer pieces: a word and its leading space, each
  /// punctuation run, each digit; special tokens alone; any token sequence.
  @Test(.enabled(if: smolLM2Available, "SmolLM2 is not fetched (scripts/fetch-model --decoder)"))
  func byteLevelTokensBelongToThePreTokenizersPieces() throws {
    let model = try ModelLoader.load(contentsOf: smolLM2Path)
    let tokenizer = model.textTokenizer
    let encoding = try model.tokenize("<|im_start|>Unbelievably, 2024 cats!")
    let words = tokenizer.wordIDs(of: encoding)
    #expect(words.count == encoding.tokens.count)
    #expect(words.first == 0 && words[1] == 1)
    // Every token of "Unbelievably" (however many) is one word; "," is the next.
    let labels = Dictionary(grouping: encoding.tokens.indices, by: { words[$0] }).mapValues {
      $0.map { encoding.tokens[$0] }.joined()
    }
    #expect(labels.count == words.last! + 1)
    #expect(labels[1] == "Unbelievably")
    #expect(labels[2] == ",")
    #expect(labels.values.contains { $0.hasSuffix("cats") })
  }

  /// CJK text by character: the pre-tokenizer keeps "東京大学" as one piece,
  /// but each ideograph is a word, its tokens (whole or bytes of it) together.
  @Test(.enabled(if: smolLM2Available, "SmolLM2 is not fetched (scripts/fetch-model --decoder)"))
  func byteLevelCJKTextIsAWordACharacter() throws {
    let model = try ModelLoader.load(contentsOf: smolLM2Path)
    let tokenizer = try #require(model.textTokenizer as? any TextDecodingTokenizer)
    let encoding = try model.tokenize("東京大学 is big")
    let words = tokenizer.wordIDs(of: encoding)
    let spelled = Dictionary(grouping: encoding.ids.indices, by: { words[$0] }).sorted { $0.key < $1.key }.map {
      tokenizer.decode($0.value.map { encoding.ids[$0] })
    }
    #expect(spelled == ["東", "京", "大", "学", " is", " big"])
  }
}
