import Foundation
import TensorIO
import Testing

/// The tiny random decoder folders committed with their transformers fixtures
/// (scripts/reference/hf_decoder_fixtures.py).
private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .deletingLastPathComponent().appendingPathComponent("TransformerModelsTests/Fixtures")

private struct DecoderFixture: Decodable {
  struct Prompt: Decodable {
    let text: String
    let ids: [Int]
    let attentions: [Double]
  }
  struct Generation: Decodable {
    let text: String
    let generated_ids: [Int]
    let generated_text: String
  }
  let layers: Int
  let heads: Int
  let prompts: [Prompt]
  let generations: [Generation]

  static func load(_ family: String) throws -> DecoderFixture {
    try JSONDecoder().decode(
      DecoderFixture.self, from: Data(contentsOf: fixtures.appendingPathComponent("hf-\(family).json")))
  }
}

/// `attn tokenize`, `attn model` and `attn generate` take a Hugging Face decoder folder as they take a GGUF file.
@Suite struct HuggingFaceDecoderCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  @Test(arguments: ["llama", "qwen2", "gpt2"])
  func generateWritesWhatTransformersWrote(_ family: String) throws {
    let fixture = try DecoderFixture.load(family)
    let model = fixtures.appendingPathComponent("hf-\(family)").path
    let generation = fixture.generations[0]
    let run = try runAttn(
      [
        "generate", model, generation.text, "--max-tokens", "\(generation.generated_ids.count)", "--npy",
        "g.npy",
      ],
      in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    // The text streams a character once all its bytes are written: a
    // random model's last bytes may make none, which transformers decodes as U+FFFD.
    let text = generation.generated_text
    #expect(run.stdout == (text.hasSuffix("\u{FFFD}") ? String(text.dropLast()) : text) + "\n")
    let attentions = try TensorFile.read(contentsOf: folder.appendingPathComponent("g.npy").path)
    #expect(attentions.shape[0] == fixture.layers && attentions.shape[1] == fixture.heads)
  }

  @Test(arguments: ["llama", "qwen2", "gpt2"])
  func tokenizeAndModelReadTheFolder(_ family: String) throws {
    let fixture = try DecoderFixture.load(family)
    let model = fixtures.appendingPathComponent("hf-\(family)").path
    let prompt = fixture.prompts[1]
    let tokens = try runAttn(["tokenize", model, prompt.text], in: folder)
    #expect(tokens.status == 0, "stderr: \(tokens.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [String: Any]
    #expect(json?["ids"] as? [Int] == prompt.ids)

    let run = try runAttn(["model", model, prompt.text, "--npy", "a.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let attentions = try TensorFile.read(contentsOf: folder.appendingPathComponent("a.npy").path)
    let count = prompt.ids.count
    #expect(attentions.shape == [fixture.layers, fixture.heads, count, count])
    let worst = zip(attentions.scalars, prompt.attentions).map { abs(Double($0) - $1) }.max() ?? .infinity
    #expect(worst <= 1e-4, "attention off by \(worst)")
  }

  @Test func aTokenizerOfAnotherModelTypeIsOneErrorLine() throws {
    let model = folder.appendingPathComponent("m").path
    try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("hf-gpt2").path, toPath: model)
    let tokenizerPath = model + "/tokenizer.json"
    var fields =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: tokenizerPath)))
      as! [String: Any]
    var tokenizerModel = fields["model"] as! [String: Any]
    tokenizerModel["type"] = "WordLevel"
    fields["model"] = tokenizerModel
    try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: tokenizerPath))
    for command in ["tokenize", "generate"] {
      let run = try runAttn([command, "m", "Hello"], in: folder)
      expectOneLineError(run, naming: "m/tokenizer.json", mentioning: "WordLevel")
    }
  }
}
