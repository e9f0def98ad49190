import AttentionTestSupport
import Foundation
import TensorIO
import Testing

@testable import TransformerModels

// SmolLM2's byte-level BPE tokenizer, read from the GGUF file and from the
// tokenizer.json that transformers saved, against Hugging Face's encodings
// of the same texts (scripts/reference/bpe_fixtures.py).

private let fixture = SmolLM2TokenizerFixture.shared

/// The tokenizer the GGUF file's `tokenizer.ggml.*` metadata describes.
private let ggufTokenizer = Result { () throws -> ByteLevelBPETokenizer in
  try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: smolLM2Path))
}

/// The tokenizer transformers saved as tokenizer.json, with its tokenizer_config.json beside it.
private let tokenizerJSONPath = SmolLM2TokenizerFixture.tokenizerFolder.appendingPathComponent(
  "tokenizer.json"
)
.path
private let jsonTokenizer = Result { () throws(TokenizerError) -> ByteLevelBPETokenizer in
  try ByteLevelBPETokenizer(tokenizerJSON: tokenizerJSONPath, maxLength: 8192)
}

/// Checks every view of one text's encoding against Hugging Face's.
private func expectEncodesAsHuggingFace(
  _ tokenizer: ByteLevelBPETokenizer, _ reference: SmolLM2TokenizerFixture.Case,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let ids = tokenizer.tokenIDs(of: reference.text)
  #expect(ids == reference.ids, "ids", sourceLocation: sourceLocation)
  // Strings are compared as scalars: Swift's == would take NFD for NFC.
  let pieces = ids.map { tokenizer.piece(for: $0).map { Array($0.unicodeScalars) } }
  #expect(
    pieces == reference.tokens.map { Array($0.unicodeScalars) }, "token strings",
    sourceLocation: sourceLocation)
  let expectedBytes = reference.tokenBytes.map(SmolLM2TokenizerFixture.bytes(ofHex:))
  #expect(
    reference.ids.map(tokenizer.bytes(for:)) == expectedBytes, "token bytes", sourceLocation: sourceLocation)

  // Decoding gives back the text, byte for byte, as Hugging Face's decode does.
  let decoded = Array(tokenizer.decode(reference.ids).utf8)
  #expect(decoded == Array(reference.decoded.utf8), "decode", sourceLocation: sourceLocation)
  #expect(decoded == Array(reference.text.utf8), "round trip", sourceLocation: sourceLocation)

  guard !reference.text.isEmpty else {
    #expect(throws: TokenizerError.self, sourceLocation: sourceLocation) {
      try tokenizer.encode(reference.text, pair: nil)
    }
    return
  }
  // The encoding's readable labels spell the same bytes.
  let encoding = try tokenizer.encode(reference.text, pair: nil)
  #expect(encoding.ids == reference.ids, "encode", sourceLocation: sourceLocation)
  #expect(
    encoding.tokens.map(SmolLM2TokenizerFixture.bytes(ofLabel:)) == expectedBytes,
    "labels \(encoding.tokens)",
    sourceLocation: sourceLocation)
  #expect(encoding.typeIds == Array(repeating: 0, count: reference.ids.count), sourceLocation: sourceLocation)
  let fromBytes = try tokenizer.encode(bytes: Array(reference.text.utf8), source: "text")
  #expect(fromBytes.ids == reference.ids, "encode(bytes:)", sourceLocation: sourceLocation)
}

private func expectRefusesInvalidUTF8(
  _ tokenizer: ByteLevelBPETokenizer, _ reference: SmolLM2TokenizerFixture.InvalidUTF8,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let encoding = try tokenizer.encode(bytes: reference.bytes, source: "input.txt")
    Issue.record("encoded to \(encoding.ids)", sourceLocation: sourceLocation)
  } catch let error as TokenizerError {
    #expect(error.path == "input.txt", sourceLocation: sourceLocation)
    #expect(
      error.reason.hasPrefix("byte \(reference.firstBadOffset) "), "\(error)", sourceLocation: sourceLocation)
  } catch {
    Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
  }
}

/// Renders a conversation through `template` and encodes it, against
/// `apply_chat_template(messages, add_generation_prompt=True)`.
private func expectRendersAsHuggingFace(
  _ template: ChatTemplate, _ tokenizer: ByteLevelBPETokenizer, _ chat: SmolLM2TokenizerFixture.Chat,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let messages = chat.messages.map { ChatMessage(role: $0.role, content: $0.content) }
  let text = template.render(messages, addGenerationPrompt: true)
  #expect(
    text.utf8.elementsEqual(chat.text.utf8),
    "render \(text.debugDescription), not \(chat.text.debugDescription)",
    sourceLocation: sourceLocation)
  #expect(tokenizer.tokenIDs(of: text) == chat.ids, "ids", sourceLocation: sourceLocation)
}

@Suite(.enabled(if: smolLM2Available, "the decoder is not fetched (scripts/fetch-model --decoder)"))
struct ByteLevelBPEGGUFReferenceTests {
  private func tokenizer() throws -> ByteLevelBPETokenizer { try ggufTokenizer.get() }

  @Test func readsTheVocabularyOfTheFile() throws {
    let tokenizer = try tokenizer()
    #expect(tokenizer.vocabularySize == fixture.vocabularySize)
    #expect(tokenizer.specialTokenID("<|im_start|>") != nil && tokenizer.specialTokenID("<|im_end|>") != nil)
  }

  @Test(arguments: fixture.cases)
  func encodesAsHuggingFace(_ reference: SmolLM2TokenizerFixture.Case) throws {
    try expectEncodesAsHuggingFace(tokenizer(), reference)
  }

  @Test(arguments: fixture.invalidUTF8)
  func refusesBytesThatAreNotUTF8(_ reference: SmolLM2TokenizerFixture.InvalidUTF8) throws {
    expectRefusesInvalidUTF8(try tokenizer(), reference)
  }

  @Test(arguments: fixture.chats)
  func appliesTheChatTemplateOfTheFile(_ chat: SmolLM2TokenizerFixture.Chat) throws {
    let file = try GGUFFile(contentsOf: smolLM2Path)
    let source = try #require(try file.string("tokenizer.chat_template"))
    #expect(Array(source.utf8) == Array(fixture.chatTemplate.utf8))
    let template = try ChatTemplate(template: source, source: smolLM2Path)
    expectRendersAsHuggingFace(template, try tokenizer(), chat)
  }

  @Test func theModelsChatPromptIsTheTemplatesRender() throws {
    let model = try LlamaModel(contentsOf: smolLM2Path)
    let chat = try #require(fixture.chats.first { $0.name == "system_and_user" })
    let prompt = try model.chatPrompt(user: chat.messages[1].content, system: chat.messages[0].content)
    #expect(Array(prompt.utf8) == Array(chat.text.utf8))
    let userOnly = try #require(fixture.chats.first { $0.name == "user_only" })
    let defaultSystem = try model.chatPrompt(user: userOnly.messages[0].content, system: nil)
    #expect(Array(defaultSystem.utf8) == Array(userOnly.text.utf8))
  }
}

@Suite struct ByteLevelBPETokenizerJSONReferenceTests {
  private func tokenizer() throws -> ByteLevelBPETokenizer { try jsonTokenizer.get() }

  @Test func readsTheVocabularyOfTheFile() throws {
    let tokenizer = try tokenizer()
    #expect(tokenizer.vocabularySize == fixture.vocabularySize)
    #expect(tokenizer.specialTokenID("<|im_start|>") != nil && tokenizer.specialTokenID("<|im_end|>") != nil)
  }

  @Test(arguments: fixture.cases)
  func encodesAsHuggingFace(_ reference: SmolLM2TokenizerFixture.Case) throws {
    try expectEncodesAsHuggingFace(tokenizer(), reference)
  }

  @Test(arguments: fixture.invalidUTF8)
  func refusesBytesThatAreNotUTF8(_ reference: SmolLM2TokenizerFixture.InvalidUTF8) throws {
    expectRefusesInvalidUTF8(try tokenizer(), reference)
  }

  /// The template saved beside the tokenizer: chat_template.jinja, as
  /// transformers 5 writes it, or tokenizer_config.json's `chat_template`.
  @Test(arguments: fixture.chats)
  func appliesTheSavedChatTemplate(_ chat: SmolLM2TokenizerFixture.Chat) throws {
    let folder = SmolLM2TokenizerFixture.tokenizerFolder
    let jinja = folder.appendingPathComponent("chat_template.jinja")
    let configPath = folder.appendingPathComponent("tokenizer_config.json")
    let source: String
    let sourcePath: String
    if FileManager.default.fileExists(atPath: jinja.path) {
      source = try String(contentsOf: jinja, encoding: .utf8)
      sourcePath = jinja.path
    } else {
      let config = try JSONSerialization.jsonObject(with: Data(contentsOf: configPath)) as? [String: Any]
      source = try #require(config?["chat_template"] as? String)
      sourcePath = configPath.path
    }
    let template = try ChatTemplate(template: source, source: sourcePath)
    expectRendersAsHuggingFace(template, try tokenizer(), chat)
  }

  /// A copy of the saved tokenizer.json with `edit` applied to its JSON, in a fresh folder.
  private func editedCopy(_ edit: (inout [String: Any]) -> Void) throws -> String {
    var root = try #require(
      JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenizerJSONPath)))
        as? [String: Any])
    edit(&root)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("tokenizer.json")
    try JSONSerialization.data(withJSONObject: root).write(to: path)
    return path.path
  }

  @Test(arguments: ["WordPiece", "Unigram", "WordLevel"])
  func refusesAnotherModelTypeNamingTheFile(_ modelType: String) throws {
    let path = try editedCopy { root in
      var model = root["model"] as? [String: Any] ?? [:]
      model["type"] = modelType
      root["model"] = model
    }
    #expect {
      try ByteLevelBPETokenizer(tokenizerJSON: path)
    } throws: { error in
      guard let error = error as? TokenizerError else { return false }
      return error.path == path && error.reason.contains(modelType) && "\(error)".hasPrefix(path + ": ")
    }
  }

  @Test func refusesAPreTokenizerItDoesNotRun() throws {
    let path = try editedCopy { root in
      root["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁"]
    }
    #expect {
      try ByteLevelBPETokenizer(tokenizerJSON: path)
    } throws: { error in
      guard let error = error as? TokenizerError else { return false }
      return error.path == path && error.reason.contains("Metaspace")
    }
  }
}

/// SmolLM2's pre-tokenizer (GGUF's `smollm`: each digit alone, then GPT-2's
/// pattern) alone, against Hugging Face's `pre_tokenize_str`.
@Suite struct ByteLevelPreTokenizerReferenceTests {
  @Test(arguments: fixture.cases)
  func cutsAsHuggingFace(_ reference: SmolLM2TokenizerFixture.Case) throws {
    let (preTokenizer, ignoresMerges) = try #require(ByteLevelPreTokenizer.named("smollm"))
    #expect(!ignoresMerges)
    let (buffer, ranges) = preTokenizer.pieces(of: Array(reference.text.unicodeScalars))
    let pieces = ranges.map { range in
      var spelled = String.UnicodeScalarView()
      for scalar in buffer[range] {
        UTF8.encode(scalar) { spelled.append(ByteLevelAlphabet.scalars[Int($0)]) }
      }
      return Array(spelled)
    }
    #expect(pieces == reference.pieces.map { Array($0.unicodeScalars) })
  }
}

@Suite struct ByteLevelBPERefusalTests {
  @Test func refusesAPreTokenizerItDoesNotKnowNamingIt() {
    let vocabulary = ByteLevelBPEVocabulary(
      tokens: ["a", "b", "ab"], merges: ["a b"], preTokenizer: "deepseek-coder", maxLength: 16)
    #expect {
      try ByteLevelBPETokenizer(vocabulary: vocabulary, source: "model.gguf")
    } throws: { error in
      guard let error = error as? TokenizerError else { return false }
      return error.path == "model.gguf" && error.reason.contains("\"deepseek-coder\"")
        && error.reason.contains("smollm")
    }
  }
}

@Suite struct ChatTemplateRecognitionTests {
  @Test func recognisesSmolLM2sTemplateWithItsSystemLine() throws {
    let template = try ChatTemplate(template: fixture.chatTemplate, source: "tokenizer_config.json")
    guard case .chatMLWithDefaultSystem(let system) = template.kind else {
      Issue.record("recognised as \(template.kind)")
      return
    }
    // The system line Hugging Face inserted before a lone user message.
    let userOnly = try #require(fixture.chats.first { $0.name == "user_only" })
    let expected = "<|im_start|>system\n" + system + "<|im_end|>\n"
    #expect(userOnly.text.utf8.starts(with: expected.utf8))
  }

  /// The spellings that must be recognised: the same templates with
  /// whitespace that Jinja does not print.
  static let recognisedSpellings: Set = [
    "smollm2_multiline", "smollm2_other_system", "chatml", "chatml_block_newlines",
  ]

  /// Each spelling renders every conversation as transformers does, or is refused.
  @Test(arguments: fixture.templateVariants)
  func anotherSpellingRendersAsTransformersOrIsRefused(_ variant: SmolLM2TokenizerFixture.TemplateVariant) {
    let template: ChatTemplate
    do { template = try ChatTemplate(template: variant.template, source: "tokenizer_config.json") } catch {
      #expect(error.path == "tokenizer_config.json" && error.reason.contains("not supported"), "\(error)")
      #expect(!Self.recognisedSpellings.contains(variant.name), "\(error)")
      return
    }
    for (chat, expected) in zip(fixture.chats, variant.renders) {
      let messages = chat.messages.map { ChatMessage(role: $0.role, content: $0.content) }
      let text = template.render(messages, addGenerationPrompt: true)
      #expect(
        text.utf8.elementsEqual(expected.utf8),
        "\(chat.name): \(text.debugDescription), not \(expected.debugDescription)")
    }
  }

  /// Templates of other models, and SmolLM2's changed in a way that changes
  /// what it renders: each is refused, naming its first line.
  static let unsupported: [(name: String, template: String)] = [
    (
      "Llama 3",
      """
      {{- bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] \
      + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}\
      {% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}
      """
    ),
    (
      "Zephyr",
      """
      {% for message in messages %}
      {% if message['role'] == 'user' %}
      {{ '<|user|>\\n' + message['content'] + eos_token }}
      {% endif %}
      {% endfor %}
      """
    ),
    (
      "SmolLM2 without the generation prompt",
      """
      {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}\
      {{ '<|im_start|>system\\nYou are helpful.<|im_end|>\\n' }}{% endif %}\
      {{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}
      """
    ),
    (
      "SmolLM2 trimming the content",
      """
      {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}\
      {{ '<|im_start|>system\\nYou are helpful.<|im_end|>\\n' }}{% endif %}\
      {{'<|im_start|>' + message['role'] + '\\n' + message['content'] | trim + '<|im_end|>' + '\\n'}}{% endfor %}\
      {% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
      """
    ),
  ]

  @Test(arguments: unsupported.map(\.template))
  func refusesATemplateItDoesNotRunNamingIt(_ template: String) {
    let firstLine = String(template.split(separator: "\n", omittingEmptySubsequences: false)[0].prefix(30))
    #expect {
      try ChatTemplate(template: template, source: "model.gguf")
    } throws: { error in
      guard let error = error as? TokenizerError else { return false }
      return error.path == "model.gguf" && error.reason.contains("not supported")
        && error.reason.contains(firstLine)
    }
  }
}
