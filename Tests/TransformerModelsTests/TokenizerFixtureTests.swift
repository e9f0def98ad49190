import Foundation
import Testing

@testable import TransformerModels

/// The folder with the all-MiniLM-L6-v2 vocabulary and Hugging Face's encodings.
let tokenizerFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("TokenizerFixtures")

/// One text, or pair, as Hugging Face's tokenizer encoded it.
struct ReferenceEncoding: Decodable {
  var name: String
  var text: String
  var pair: String?
  var tokens: [String]
  var ids: [Int]
  var typeIds: [Int]
  var slowIDs: [Int]?

  private enum CodingKeys: String, CodingKey {
    case name, text, pair, tokens, ids
    case typeIds = "type_ids"
    case slowIDs = "slow_ids"
  }
}

/// The cases of `hf_encodings.json`, written by
/// `scripts/reference/tokenizer_fixtures.py` from transformers 5.24 and
/// tokenizers 0.23.3 with `tokenizer(text, pair, truncation=True)`.
func referenceEncodings() throws -> [ReferenceEncoding] {
  struct File: Decodable { var cases: [ReferenceEncoding] }
  let data = try Data(contentsOf: tokenizerFixtures.appendingPathComponent("hf_encodings.json"))
  return try JSONDecoder().decode(File.self, from: data).cases
}

/// The tokenizer of the fixture folder, loaded once.
let miniLMTokenizer: Result<WordPieceTokenizer, any Error> = Result {
  try WordPieceTokenizer(contentsOf: tokenizerFixtures.path)
}

@Suite struct TokenizerFixtureTests {
  @Test func everyReferenceEncodingMatches() throws {
    let tokenizer = try miniLMTokenizer.get()
    let cases = try referenceEncodings()
    #expect(cases.count > 100)
    for reference in cases {
      let encoding = try tokenizer.encode(reference.text, pair: reference.pair)
      #expect(encoding.ids == reference.ids, "\(reference.name): \(encoding.tokens) vs \(reference.tokens)")
      #expect(encoding.tokens == reference.tokens, "\(reference.name)")
      #expect(encoding.typeIds == reference.typeIds, "\(reference.name)")
    }
  }

  /// The reference truncated exactly the cases with more than 512 tokens.
  @Test func truncatedFlagAgreesWithTheReference() throws {
    let tokenizer = try miniLMTokenizer.get()
    for reference in try referenceEncodings() {
      let encoding = try tokenizer.encode(reference.text, pair: reference.pair)
      let full = try tokenizer.encode(reference.text, pair: reference.pair, maxLength: .max)
      #expect(encoding.truncated == (full.ids.count > 512), "\(reference.name)")
      #expect(encoding.untruncatedLength == full.ids.count, "\(reference.name)")
      #expect(!full.truncated)
      if reference.name == "truncation" {
        #expect(encoding.truncated && encoding.ids.count == 512)
        #expect(Array(full.ids.prefix(511)) == Array(encoding.ids.prefix(511)))
      }
    }
  }
}
