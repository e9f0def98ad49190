import AttentionTestSupport
import Foundation
import Testing

/// `attn tokenize` through the real binary, against the encodings Hugging
/// Face's tokenizer gave for the same texts (hf_encodings.json, written by
/// scripts/reference/tokenizer_fixtures.py beside the model's vocab.txt).
@Suite struct TokenizeCommandTests {
  /// The model folder of the tokenizer tests: vocab.txt, tokenizer_config.json.
  private static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("TransformerModelsTests/TokenizerFixtures")

  private struct Reference: Decodable {
    var name: String
    var text: String
    var pair: String?
    var tokens: [String]
    var ids: [Int]
    var typeIds: [Int]

    private enum CodingKeys: String, CodingKey {
      case name, text, pair, tokens, ids
      case typeIds = "type_ids"
    }
  }

  /// The printed line; its keys are exactly these three.
  private struct Printed: Decodable, Equatable {
    var tokens: [String]
    var ids: [Int]
    var typeIds: [Int]

    private enum CodingKeys: String, CodingKey {
      case tokens, ids
      case typeIds = "type_ids"
    }
  }

  private static func references() throws -> [Reference] {
    struct File: Decodable { var cases: [Reference] }
    let data = try Data(contentsOf: model.appendingPathComponent("hf_encodings.json"))
    return try JSONDecoder().decode(File.self, from: data).cases
  }

  private let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  /// The one JSON line of a successful run.
  private func printed(_ run: AttnRun, sourceLocation: SourceLocation = #_sourceLocation) throws -> Printed {
    #expect(
      run.status == 0 && !run.terminatedBySignal, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stdout.hasSuffix("\n"), sourceLocation: sourceLocation)
    #expect(run.stdout.dropLast().split(separator: "\n").count == 1, sourceLocation: sourceLocation)
    #expect(run.stdout.hasPrefix("{\"tokens\":["), sourceLocation: sourceLocation)
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
    #expect(object.map { Set($0.keys) } == ["tokens", "ids", "type_ids"], sourceLocation: sourceLocation)
    return try JSONDecoder().decode(Printed.self, from: Data(run.stdout.utf8))
  }

  @Test func printsWhatHuggingFacePrints() throws {
    // A process argument cannot hold NUL, so texts with one are left to the
    // library tests; every eighth random text keeps the run short.
    let cases = try Self.references().enumerated().filter { index, reference in
      !reference.text.unicodeScalars.contains("\u{0}")
        && (!reference.name.hasPrefix("random") || index % 8 == 0)
    }
    #expect(cases.count > 40)
    for (_, reference) in cases {
      var arguments = ["tokenize", Self.model.path, reference.text]
      if let pair = reference.pair { arguments += ["--pair", pair] }
      let run = try runAttn(arguments, in: folder)
      let line = try printed(run)
      let expected = Printed(tokens: reference.tokens, ids: reference.ids, typeIds: reference.typeIds)
      #expect(line.ids == expected.ids, "\(reference.name)")
      #expect(
        line.tokens.map { Array($0.unicodeScalars) } == expected.tokens.map { Array($0.unicodeScalars) })
      #expect(line.typeIds == expected.typeIds, "\(reference.name)")
      if reference.ids.count < 512 {
        #expect(run.stderr.isEmpty, "\(reference.name): \(run.stderr)")
      }
    }
  }

  @Test func nonASCIITokensAreWrittenAsUTF8() throws {
    let run = try runAttn(["tokenize", Self.model.path, "東京 力 café"], in: folder)
    let line = try printed(run)
    #expect(line.tokens == ["[CLS]", "東", "京", "力", "cafe", "[SEP]"])
    #expect(run.stdout.contains("\"東\",\"京\",\"力\""))
  }

  @Test func pairTypeIds() throws {
    let line = try printed(
      try runAttn(["tokenize", Self.model.path, "who is she?", "--pair", "she is here"], in: folder))
    #expect(line.tokens == ["[CLS]", "who", "is", "she", "?", "[SEP]", "she", "is", "here", "[SEP]"])
    #expect(line.typeIds == [0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
  }

  @Test func textsThatStartWithADash() throws {
    let line = try printed(
      try runAttn(["tokenize", Self.model.path, "--pair=-3 c", "--", "-5 c"], in: folder))
    #expect(line.tokens == ["[CLS]", "-", "5", "c", "[SEP]", "-", "3", "c", "[SEP]"])
  }

  @Test func longTextIsCutWithAWarning() throws {
    let text = Array(repeating: "attention", count: 700).joined(separator: " ")
    let run = try runAttn(["tokenize", Self.model.path, text], in: folder)
    let line = try printed(run)
    #expect(line.ids.count == 512 && line.ids.first == 101 && line.ids.last == 102)
    #expect(line.typeIds == Array(repeating: 0, count: 512))
    #expect(run.stderr == "warning: text has 702 tokens; truncated to 512 (--no-truncate to refuse)\n")

    let pairRun = try runAttn(["tokenize", Self.model.path, text, "--pair", "short"], in: folder)
    #expect(try printed(pairRun).ids.count == 512)
    #expect(
      pairRun.stderr == "warning: text and pair have 704 tokens; truncated to 512 (--no-truncate to refuse)\n"
    )
  }

  @Test func noTruncateRefusesALongText() throws {
    let text = Array(repeating: "attention", count: 700).joined(separator: " ")
    let run = try runAttn(["tokenize", Self.model.path, text, "--no-truncate"], in: folder)
    expectOneLineError(run, naming: Self.model.path, mentioning: "702 tokens")
    #expect(run.stdout.isEmpty)
    let short = try runAttn(["tokenize", Self.model.path, "short text", "--no-truncate"], in: folder)
    #expect(try printed(short).tokens == ["[CLS]", "short", "text", "[SEP]"])
    #expect(short.stderr.isEmpty)
  }

  @Test func folderWithoutVocabulary() throws {
    try FileManager.default.createDirectory(
      at: folder.appendingPathComponent("empty-model"), withIntermediateDirectories: true)
    let run = try runAttn(["tokenize", "empty-model", "hello"], in: folder)
    expectOneLineError(run, naming: "empty-model", mentioning: "no vocab.txt")
    #expect(run.stderr == "error: empty-model: no vocab.txt\n")
    #expect(run.stdout.isEmpty)
  }

  @Test func missingFolder() throws {
    let run = try runAttn(["tokenize", "no-such-model", "hello"], in: folder)
    expectOneLineError(run, naming: "no-such-model")
  }

  @Test func badFilesInTheModelFolderAreNamed() throws {
    let model = folder.appendingPathComponent("model")
    try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
    try Data("[PAD]\n[UNK]\n[CLS]\n".utf8).write(to: model.appendingPathComponent("vocab.txt"))
    let noSeparator = try runAttn(["tokenize", "model", "hello"], in: folder)
    expectOneLineError(noSeparator, naming: "model/vocab.txt", mentioning: "[SEP]")

    try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".utf8).write(to: model.appendingPathComponent("vocab.txt"))
    try Data("{\"do_lower_case\": 1".utf8).write(to: model.appendingPathComponent("tokenizer_config.json"))
    let badConfig = try runAttn(["tokenize", "model", "hello"], in: folder)
    expectOneLineError(badConfig, naming: "model/tokenizer_config.json")
  }

  @Test func emptyTextIsAnError() throws {
    for arguments in [[Self.model.path, ""], [Self.model.path, "hello", "--pair", ""]] {
      let run = try runAttn(["tokenize"] + arguments, in: folder)
      #expect(run.status == 1 && !run.terminatedBySignal)
      #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: empty "), "\(run.stderr)")
      #expect(run.stdout.isEmpty)
    }
  }

  @Test(.enabled(if: decoderPath != nil, "the decoder is not fetched (scripts/fetch-model --decoder)"))
  func printsSmolLM2sTokensReadably() throws {
    let model = try #require(decoderPath)
    // One text of each kind (the first word of its name), as every text is
    // checked in the library's tests; a process argument cannot hold NUL,
    // nor be empty here.
    var kinds: Set<Substring> = []
    let cases = SmolLM2TokenizerFixture.shared.cases.filter {
      !$0.text.isEmpty && !$0.text.unicodeScalars.contains("\u{0}")
        && kinds.insert($0.name.prefix { $0 != "_" }).inserted
    }
    #expect(cases.count > 20)
    for reference in cases {
      let line = try printed(try runAttn(["tokenize", model, reference.text], in: folder))
      #expect(line.ids == reference.ids, "\(reference.name)")
      #expect(line.typeIds == Array(repeating: 0, count: reference.ids.count), "\(reference.name)")
      // Each label spells its token's bytes: `␣` a space, `↵` a newline,
      // `⇥` a tab, `<0xE4>` a byte that is not a whole character.
      let expectedBytes = reference.tokenBytes.map(SmolLM2TokenizerFixture.bytes(ofHex:))
      #expect(
        line.tokens.map(SmolLM2TokenizerFixture.bytes(ofLabel:)) == expectedBytes,
        "\(reference.name): \(line.tokens)")
      // None is in GPT-2's byte alphabet, where a space is `Ġ` and a newline `Ċ`.
      for (label, token) in zip(line.tokens, reference.tokens)
      where token.contains("Ġ") || token.contains("Ċ") {
        #expect(!label.contains("Ġ") && !label.contains("Ċ"), "\(reference.name): \(label)")
      }
    }
  }

  @Test(.enabled(if: decoderPath != nil, "the decoder is not fetched (scripts/fetch-model --decoder)"))
  func labelsOfSmolLM2sTokens() throws {
    let model = try #require(decoderPath)
    let text = "Hi there\n\tx 東"
    let line = try printed(try runAttn(["tokenize", model, text], in: folder))
    #expect(line.tokens.contains("␣there"), "\(line.tokens)")
    #expect(line.tokens.contains { $0.contains("↵") } && line.tokens.contains { $0.contains("⇥") })
    #expect(SmolLM2TokenizerFixture.bytes(ofLabel: line.tokens.joined()) == Array(text.utf8))
  }

  @Test func missingTextIsAUsageError() throws {
    let run = try runAttn(["tokenize", Self.model.path], in: folder)
    #expect(run.status == 64 && run.stderr.hasPrefix("error: "), "\(run.stderr)")
  }
}
