import Foundation

@testable import TransformerModels

/// The special tokens every test vocabulary starts with, ids 0 to 4.
let specialVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

/// A tokenizer over the special tokens and `tokens`, ids in that order.
func tinyTokenizer(_ tokens: [String], options: TokenizerOptions = TokenizerOptions()) throws
  -> WordPieceTokenizer
{
  try WordPieceTokenizer(tokens: specialVocabulary + tokens, options: options)
}

/// The scalars of `text` after BERT normalization with `options`.
func normalized(_ text: String, _ options: TokenizerOptions = TokenizerOptions()) -> [Unicode.Scalar] {
  BertNormalizer(options: options).normalize(text.unicodeScalars[...])
}

/// The scalars of `text`, for comparisons that must not treat canonically
/// equivalent strings as equal, as Swift's `==` on strings does.
func scalars(_ text: String) -> [Unicode.Scalar] {
  Array(text.unicodeScalars)
}

/// The words of `text` after normalization and pre-tokenization.
func words(_ text: String, _ options: TokenizerOptions = TokenizerOptions()) -> [String] {
  let normalizedScalars = normalized(text, options)
  return BertPreTokenizer.words(in: normalizedScalars).map { range in
    var word = ""
    word.unicodeScalars.append(contentsOf: normalizedScalars[range])
    return word
  }
}

/// Options for a cased model that keeps accents.
var casedOptions: TokenizerOptions {
  var options = TokenizerOptions()
  options.lowercases = false
  return options
}

/// A fresh empty folder for one test.
func makeTokenizerScratchFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("tokenizer-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// SplitMix64: a small seeded generator, so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
  }
}
