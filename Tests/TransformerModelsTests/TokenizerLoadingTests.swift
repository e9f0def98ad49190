import Foundation
import Testing

@testable import TransformerModels

/// Loading a tokenizer from a model folder, and the errors that name the file.
@Suite struct TokenizerLoadingTests {
  private let folder: URL

  init() throws {
    folder = try makeTokenizerScratchFolder()
  }

  private func write(_ text: String, to name: String) throws {
    try Data(text.utf8).write(to: folder.appendingPathComponent(name))
  }

  private func writeVocabulary(_ tokens: [String]) throws {
    try write((specialVocabulary + tokens).joined(separator: "\n") + "\n", to: "vocab.txt")
  }

  private func loadingError() -> TokenizerError? {
    do {
      _ = try WordPieceTokenizer(contentsOf: folder.path)
      return nil
    } catch {
      return error
    }
  }

  @Test func theModelsTokenizerLoads() throws {
    let tokenizer = try miniLMTokenizer.get()
    #expect(tokenizer.vocabularySize == 30522)
    #expect(tokenizer.options.lowercases && tokenizer.options.stripsAccents == nil)
    #expect(tokenizer.options.maxLength == 512)
    #expect(tokenizer.id(forToken: "[CLS]") == 101 && tokenizer.id(forToken: "[SEP]") == 102)
    #expect(tokenizer.token(forID: 7592) == "hello" && tokenizer.token(forID: 30522) == nil)
  }

  @Test func missingFolder() {
    let missing = folder.appendingPathComponent("nowhere").path
    #expect(throws: TokenizerError(path: missing, reason: "no such folder")) {
      try WordPieceTokenizer(contentsOf: missing)
    }
  }

  @Test func fileInsteadOfFolder() throws {
    try write("x", to: "file")
    let path = folder.appendingPathComponent("file").path
    #expect(throws: TokenizerError(path: path, reason: "not a folder")) {
      try WordPieceTokenizer(contentsOf: path)
    }
  }

  @Test func folderWithoutVocabulary() throws {
    try write("{}", to: "tokenizer_config.json")
    let error = try #require(loadingError())
    #expect(error.description == "\(folder.path): no vocab.txt")
  }

  @Test func emptyVocabulary() throws {
    try write("", to: "vocab.txt")
    let error = try #require(loadingError())
    #expect(error.path == folder.appendingPathComponent("vocab.txt").path)
    #expect(error.reason == "empty vocabulary")
  }

  @Test func vocabularyWithoutASpecialToken() throws {
    for missing in ["[CLS]", "[SEP]", "[UNK]", "[PAD]"] {
      try write(specialVocabulary.filter { $0 != missing }.joined(separator: "\n"), to: "vocab.txt")
      let error = try #require(loadingError())
      #expect(error.description.contains("vocab.txt") && error.reason.contains(missing), "\(error)")
    }
  }

  @Test func vocabularyThatIsNotUTF8() throws {
    try Data([0x5B, 0x50, 0x41, 0x44, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]).write(
      to: folder.appendingPathComponent("vocab.txt"))
    let error = try #require(loadingError())
    #expect(error.path?.hasSuffix("vocab.txt") == true && error.reason.contains("UTF-8"))
  }

  @Test func lineEndingsAsPythonReadsThem() throws {
    let tokens = specialVocabulary + ["hello", "world"]
    var encodings: [[Int]] = []
    for separator in ["\n", "\r\n", "\r"] {
      for trailing in ["", separator] {
        try write(tokens.joined(separator: separator) + trailing, to: "vocab.txt")
        let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
        #expect(tokenizer.vocabularySize == 7, "separator \(Array(separator.unicodeScalars))")
        encodings.append(try tokenizer.encode("hello world").ids)
      }
    }
    #expect(encodings.allSatisfy { $0 == [2, 5, 6, 3] })
  }

  @Test func repeatedTokenTakesItsLastLine() throws {
    try writeVocabulary(["hello", "world", "hello"])
    let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
    #expect(tokenizer.id(forToken: "hello") == 7)
    #expect(try tokenizer.encode("hello").ids == [2, 7, 3])
  }

  @Test func casedModelFromTokenizerConfig() throws {
    try writeVocabulary(["Hello", "hello", "Café"])
    try write(
      #"{"do_lower_case": false, "strip_accents": null, "model_max_length": 8}"#, to: "tokenizer_config.json")
    let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
    #expect(!tokenizer.options.lowercases)
    #expect(try tokenizer.encode("Hello hello Café").ids == [2, 5, 6, 7, 3])
  }

  @Test func cjkSpacingAndAccentsFromTokenizerConfig() throws {
    try writeVocabulary(["中", "文", "中文", "café", "cafe"])
    try write(#"{"tokenize_chinese_chars": false, "strip_accents": false}"#, to: "tokenizer_config.json")
    let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
    #expect(try tokenizer.encode("中文 CAFÉ").tokens == ["[CLS]", "中文", "café", "[SEP]"])
  }

  @Test func specialTokensFromConfigAndMap() throws {
    try write(["<pad>", "<unk>", "<s>", "</s>", "<mask>", "word"].joined(separator: "\n"), to: "vocab.txt")
    // tokenizer_config.json writes tokens as AddedToken objects; the map wins.
    try write(
      #"{"unk_token": {"content": "<unk>", "special": true}, "cls_token": "[CLS]", "sep_token": "</s>", "pad_token": "<pad>", "mask_token": "<mask>"}"#,
      to: "tokenizer_config.json")
    try write(#"{"cls_token": "<s>"}"#, to: "special_tokens_map.json")
    let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
    let encoding = try tokenizer.encode("word zzz <mask>")
    #expect(encoding.tokens == ["<s>", "word", "<unk>", "<mask>", "</s>"])
  }

  @Test func maximumLengthFromModelConfig() throws {
    try writeVocabulary(["a"])
    try write(#"{"max_position_embeddings": 6, "hidden_size": 384}"#, to: "config.json")
    let tokenizer = try WordPieceTokenizer(contentsOf: folder.path)
    #expect(tokenizer.options.maxLength == 6)
    let encoding = try tokenizer.encode("a a a a a a a")
    #expect(encoding.ids.count == 6 && encoding.truncated && encoding.untruncatedLength == 9)
  }

  @Test func badConfigurationFilesNameTheFileAndKey() throws {
    try writeVocabulary(["a"])
    let cases: [(file: String, text: String, detail: String)] = [
      ("tokenizer_config.json", "{not json", "not valid JSON"),
      ("tokenizer_config.json", "[1, 2]", "not a JSON object"),
      ("tokenizer_config.json", #"{"do_lower_case": "yes"}"#, "do_lower_case is not true or false"),
      ("tokenizer_config.json", #"{"unk_token": 5}"#, "unk_token"),
      ("tokenizer_config.json", #"{"additional_special_tokens": "x"}"#, "additional_special_tokens"),
      ("special_tokens_map.json", #"{"sep_token": ""}"#, "sep_token"),
      (
        "config.json", #"{"max_position_embeddings": "many"}"#,
        "max_position_embeddings is not a whole number"
      ),
      ("config.json", #"{"max_position_embeddings": 1}"#, "max_position_embeddings is 1"),
    ]
    for badCase in cases {
      try write(badCase.text, to: badCase.file)
      let error = try #require(loadingError(), "\(badCase.text)")
      #expect(error.path == folder.appendingPathComponent(badCase.file).path, "\(error)")
      #expect(error.reason.contains(badCase.detail), "\(error)")
      #expect(!error.description.contains("\n"))
      try FileManager.default.removeItem(at: folder.appendingPathComponent(badCase.file))
    }
  }
}
