import AttentionTestSupport
import Foundation
import Testing

@testable import TransformerModels

/// The loader recognises what a path holds and refuses the rest in one line
/// that names the file.
@Suite struct ModelLoaderTests {
  let model = TinyBert(seed: 0x10AD)

  private func failure(_ body: () throws -> Any) -> String? {
    do {
      _ = try body()
      return nil
    } catch let error as ModelLoadError {
      return error.description
    } catch {
      return "not a ModelLoadError: \(error)"
    }
  }

  @Test func aBertFolderLoadsThroughTheSeam() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let loaded = try ModelLoader.load(contentsOf: folder)
    #expect(
      loaded.summary
        == ModelSummary(
          architecture: "bert", layerCount: 2, headCount: 2, maxTokens: 16, attentionKind: .bidirectional))
    let attention = try loaded.attention(text: "the cat", pair: "sat")
    #expect(attention.tokens == ["[CLS]", "the", "cat", "[SEP]", "sat", "[SEP]"])
    #expect(attention.kind == .bidirectional)
    // The seam runs what the encoder runs, with the tokenizer's segments.
    let bert = try BertModel(contentsOf: folder)
    let encoding = try bert.tokenizer.encode("the cat", pair: "sat")
    #expect(encoding.typeIds == [0, 0, 0, 0, 1, 1])
    #expect(
      attention.attentions == (try bert.forward(ids: encoding.ids, typeIds: encoding.typeIds).attentions))
    let tokenizer = try ModelLoader.loadTokenizer(contentsOf: folder)
    #expect(try tokenizer.encode("the cat", pair: "sat") == encoding)
    #expect(tokenizer.maxLength == 16)  // config.json's max_position_embeddings
  }

  @Test func whatCannotBeLoadedIsNamed() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(
      failure { try ModelLoader.load(contentsOf: folder + "/absent") } == "\(folder)/absent: no such file or folder")
    let gguf = folder + "/model.gguf"
    try Data("GGUF".utf8 + [3, 0, 0, 0]).write(to: URL(fileURLWithPath: gguf))
    // A GGUF file is read as one, and a truncated one refused as such.
    let truncated = failure { try ModelLoader.load(contentsOf: gguf) }
    #expect(truncated?.hasPrefix("\(gguf): ") == true && truncated?.contains("\n") == false, "\(truncated ?? "")")
    #expect(failure { try ModelLoader.loadTokenizer(contentsOf: gguf) } == truncated)
    #expect(
      failure { try ModelLoader.load(contentsOf: folder + "/vocab.txt") }
        == "\(folder)/vocab.txt: not a model folder (a Hugging Face folder with config.json) or GGUF file")
    var fields = model.configJSON
    fields["model_type"] = "t5"
    try JSONSerialization.data(withJSONObject: fields).write(
      to: URL(fileURLWithPath: folder + "/config.json"))
    let t5 = #"\#(folder)/config.json: model_type "t5" is not run here; we run: bert, llama, qwen2, gpt2"#
    #expect(failure { try ModelLoader.load(contentsOf: folder) } == t5)
    #expect(failure { try ModelLoader.loadTokenizer(contentsOf: folder) } == t5)
    try Data("{".utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
    #expect(failure { try ModelLoader.load(contentsOf: folder) } == "\(folder)/config.json: not valid JSON")
    fields["model_type"] = nil
    try JSONSerialization.data(withJSONObject: fields).write(
      to: URL(fileURLWithPath: folder + "/config.json"))
    #expect(
      failure { try ModelLoader.load(contentsOf: folder) }
        == #"\#(folder)/config.json: no "model_type"; we run: bert, llama, qwen2, gpt2"#)
    // Without config.json, a vocabulary alone is a tokenizer but not a model.
    try FileManager.default.removeItem(atPath: folder + "/config.json")
    #expect(failure { try ModelLoader.load(contentsOf: folder) } == "\(folder): no config.json in the model folder")
    #expect(
      try ModelLoader.loadTokenizer(contentsOf: folder).encode("cat", pair: nil).tokens == ["[CLS]", "cat", "[SEP]"])
  }

  @Test func aVocabularyLargerThanTheEmbeddingsIsRefused() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try (model.vocabulary + ["extra"]).joined(separator: "\n").write(
      toFile: folder + "/vocab.txt", atomically: true, encoding: .utf8)
    #expect(
      failure { try ModelLoader.load(contentsOf: folder) }
        == "vocab.txt: 21 tokens, more than the 20 of config.json's vocab_size")
    try FileManager.default.removeItem(atPath: folder + "/vocab.txt")
    #expect(failure { try ModelLoader.load(contentsOf: folder) } == "\(folder): no vocab.txt")
  }
}
