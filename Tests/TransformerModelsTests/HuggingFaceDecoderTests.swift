import Foundation
import TensorIO
import Testing

@testable import TransformerModels

/// The decoder families read from Hugging Face folders.
let huggingFaceDecoderFamilies = ["llama", "qwen2", "gpt2"]

/// What transformers computed with a tiny random decoder
/// (scripts/reference/hf_decoder_fixtures.py), and the folder it ran.
struct HuggingFaceDecoderFixture: Decodable {
  struct Prompt: Decodable {
    let name: String
    let text: String
    let ids: [Int]
    let tokens: [String]
    let logits_at_probe_ids: [[Double]]
    let argmax: [Int]
    /// `[N, H, L, L]`, flattened.
    let attentions: [Double]
  }
  struct Generation: Decodable {
    let name: String
    let text: String
    let prompt_ids: [Int]
    let generated_ids: [Int]
    let generated_text: String
  }
  struct Chat: Decodable {
    let system: String
    let user: String
    let rendered: String
  }
  let model_type: String
  let layers: Int
  let heads: Int
  let vocabulary: Int
  let probe_ids: [Int]
  let prompts: [Prompt]
  let generations: [Generation]
  let chat: Chat?

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "Fixtures")

  /// `Fixtures/hf-<family>`.
  static func folder(_ family: String) -> String { fixtures.appendingPathComponent("hf-\(family)").path }

  static func load(_ family: String) throws -> HuggingFaceDecoderFixture {
    try JSONDecoder().decode(
      HuggingFaceDecoderFixture.self,
      from: Data(contentsOf: fixtures.appendingPathComponent("hf-\(family).json")))
  }
}

/// The fixture decoders as the tests name them: each family's folder, and
/// `<family>.gguf` for the GGUF file scripts/reference/gguf_decoder_fixtures.py
/// converts the llama and qwen2 folders to (Q and K permuted for llama, as
/// llama.cpp stores them), checked against the same transformers fixtures.
let decoderSources = huggingFaceDecoderFamilies + ["llama.gguf", "qwen2.gguf"]

/// The model of a source of `decoderSources`, loaded through the seam, with its teacher-forced logits.
private func loadDecoder(_ source: String) throws -> (
  model: any GenerativeModel, logits: ([Int]) throws -> Tensor
) {
  let path =
    source.hasSuffix(".gguf")
    ? HuggingFaceDecoderFixture.fixtures.appendingPathComponent("gguf-\(source)").path
    : HuggingFaceDecoderFixture.folder(source)
  let loaded = try ModelLoader.load(contentsOf: path)
  switch loaded {
  case let model as LlamaModel: return (model, model.logits(forTokens:))
  case let model as GPT2Model: return (model, model.logits(forTokens:))
  default: throw DecoderError("\(source) loaded as \(type(of: loaded))")
  }
}

@Suite struct HuggingFaceDecoderTests {
  @Test(arguments: decoderSources)
  func forwardPassMatchesTransformers(_ source: String) throws {
    let family = String(source.prefix { $0 != "." })
    let fixture = try HuggingFaceDecoderFixture.load(family)
    let (model, logitsOf) = try loadDecoder(source)
    #expect(
      model.summary
        == ModelSummary(
          architecture: family, layerCount: fixture.layers, headCount: fixture.heads,
          maxTokens: model.summary.maxTokens,
          attentionKind: .causal))
    for prompt in fixture.prompts {
      let encoding = try model.tokenize(prompt.text)
      #expect(encoding.ids == prompt.ids, "\(source) \(prompt.name): ids")
      // Labels spell a space as ␣ where the vocabulary has byte-level BPE's Ġ.
      let labels = prompt.tokens.map { $0.replacingOccurrences(of: "Ġ", with: "␣") }
      #expect(encoding.tokens == labels, "\(source) \(prompt.name): tokens")
      let attention = try model.attention(for: encoding)
      let count = prompt.ids.count
      #expect(attention.attentions.shape == [fixture.layers, fixture.heads, count, count])
      var worst = 0.0
      for (index, expected) in prompt.attentions.enumerated() {
        worst = max(worst, abs(Double(attention.attentions.scalars[index]) - expected))
      }
      #expect(worst <= 1e-4, "\(source) \(prompt.name): attention off by \(worst)")

      let logits = try logitsOf(prompt.ids)
      let vocabulary = fixture.vocabulary
      #expect(logits.shape == [count, vocabulary])
      var worstLogit = 0.0
      for row in 0..<count {
        for (index, id) in fixture.probe_ids.enumerated() {
          let ours = Double(logits.scalars[row * vocabulary + id])
          worstLogit = max(worstLogit, abs(ours - prompt.logits_at_probe_ids[row][index]))
        }
        let scores = logits.scalars[(row * vocabulary)..<((row + 1) * vocabulary)]
        #expect(scores.indices.max(by: { scores[$0] < scores[$1] })! - row * vocabulary == prompt.argmax[row])
      }
      #expect(worstLogit <= 1e-3, "\(source) \(prompt.name): logits off by \(worstLogit)")
    }
  }

  @Test(arguments: decoderSources)
  func greedyGenerationMatchesTransformers(_ source: String) throws {
    let family = String(source.prefix { $0 != "." })
    let fixture = try HuggingFaceDecoderFixture.load(family)
    let (model, _) = try loadDecoder(source)
    for generation in fixture.generations {
      let prompt = try model.tokenize(generation.text)
      #expect(prompt.ids == generation.prompt_ids)
      var streamed = ""
      let run = try model.generate(
        prompt: prompt,
        options: GenerationOptions(maxTokens: generation.generated_ids.count, stopAtEndOfSequence: false)
      ) { streamed += $0.text }
      #expect(run.generatedIds == generation.generated_ids, "\(source) \(generation.name)")
      #expect(run.text == generation.generated_text, "\(source) \(generation.name)")
      let total = prompt.ids.count + generation.generated_ids.count
      #expect(run.attention.attentions.shape == [fixture.layers, fixture.heads, total, total])
    }
  }

  @Test(arguments: huggingFaceDecoderFamilies)
  func theTokenizerLoadsAloneAsWithTheModel(_ family: String) throws {
    let fixture = try HuggingFaceDecoderFixture.load(family)
    let tokenizer = try ModelLoader.loadTokenizer(contentsOf: HuggingFaceDecoderFixture.folder(family))
    for prompt in fixture.prompts {
      #expect(try tokenizer.encode(prompt.text, pair: nil).ids == prompt.ids)
    }
  }

  @Test func theChatTemplateComesFromTokenizerConfig() throws {
    let fixture = try HuggingFaceDecoderFixture.load("qwen2")
    let chat = try #require(fixture.chat)
    let (model, _) = try loadDecoder("qwen2")
    #expect(try model.chatPrompt(user: chat.user, system: chat.system) == chat.rendered)
    let (gpt2, _) = try loadDecoder("gpt2")
    let missing = try #require(throwsLoadError { try gpt2.chatPrompt(user: "Hi", system: nil) })
    #expect(missing.reason.contains("chat_template"), "\(missing)")
  }

  /// GGUF stores Q and K permuted so that interleaved pairs rotate
  /// together; Hugging Face rotates halves. The two must agree on a head
  /// permuted as llama.cpp's converter permutes it.
  @Test func bothRotaryLayoutsRotateTheSameHead() {
    let size = 16
    let head = (0..<size).map { Float($0) * 0.37 - 2 }
    // llama.cpp's permute: feature (pair i, member j) of the interleaved head is feature j·d/2 + i of the halves.
    var interleaved = [Float](repeating: 0, count: size)
    for pair in 0..<(size / 2) {
      interleaved[2 * pair] = head[pair]
      interleaved[2 * pair + 1] = head[pair + size / 2]
    }
    var halves = head
    let positions = 3..<4
    RotaryTable(headSize: size, base: 10_000, layout: .halves, positions: positions).rotate(
      &halves, at: 0, token: 0)
    RotaryTable(headSize: size, base: 10_000, layout: .interleavedPairs, positions: positions)
      .rotate(&interleaved, at: 0, token: 0)
    for pair in 0..<(size / 2) {
      #expect(interleaved[2 * pair] == halves[pair])
      #expect(interleaved[2 * pair + 1] == halves[pair + size / 2])
    }
    #expect(halves != head)
  }
}

/// The `ModelLoadError` `body` throws, nil if it throws none.
func throwsLoadError(_ body: () throws -> Any) -> ModelLoadError? {
  do {
    _ = try body()
    return nil
  } catch let error as ModelLoadError {
    return error
  } catch {
    return ModelLoadError(path: "?", reason: "not a ModelLoadError: \(error)")
  }
}

/// Folders that are almost right: each is refused with one error naming the file at fault.
@Suite struct HuggingFaceDecoderRefusalTests {
  /// A copy of `family`'s fixture folder in a scratch folder, changed by `edit`.
  private func copy(_ family: String, edit: (String) throws -> Void) throws -> String {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "hf-decoder-\(UUID().uuidString)"
    ).path
    try FileManager.default.copyItem(atPath: HuggingFaceDecoderFixture.folder(family), toPath: scratch)
    try edit(scratch)
    return scratch
  }

  private func editJSON(_ path: String, _ change: (inout [String: Any]) -> Void) throws {
    var fields =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    change(&fields)
    try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: path))
  }

  private func editWeights(_ folder: String, _ change: (inout [(name: String, tensor: Tensor)]) -> Void)
    throws
  {
    let path = folder + "/model.safetensors"
    var tensors = try SafetensorsFile(contentsOf: path).allTensors()
    change(&tensors)
    try SafetensorsFile.write(tensors: tensors, to: path)
  }

  /// Loads the edited copy through the seam (the model, or its tokenizer alone) and returns the refusal.
  private func refusal(
    _ family: String, tokenizerOnly: Bool = false, edit: (String) throws -> Void
  ) throws -> (folder: String, error: ModelLoadError) {
    let folder = try copy(family, edit: edit)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let error = try #require(
      throwsLoadError {
        if tokenizerOnly { return try ModelLoader.loadTokenizer(contentsOf: folder) }
        return try ModelLoader.load(contentsOf: folder)
      })
    #expect(!error.description.contains("\n"), "\(error)")
    return (folder, error)
  }

  @Test(arguments: huggingFaceDecoderFamilies)
  func aMissingConfigKeyIsNamed(_ family: String) throws {
    let key = family == "gpt2" ? "n_embd" : "hidden_size"
    let (folder, error) = try refusal(family) { try editJSON($0 + "/config.json") { $0[key] = nil } }
    #expect(error.path == folder + "/config.json" && error.reason == "no \"\(key)\"", "\(error)")
  }

  @Test(arguments: huggingFaceDecoderFamilies)
  func aTensorOfTheWrongShapeIsNamed(_ family: String) throws {
    let name = family == "gpt2" ? "transformer.h.1.mlp.c_fc.weight" : "model.layers.1.mlp.up_proj.weight"
    let (folder, error) = try refusal(family) {
      try editWeights($0) { tensors in
        let index = tensors.firstIndex { $0.name == name }!
        let shape = tensors[index].tensor.shape
        tensors[index].tensor = Tensor(shape: [shape[1], shape[0]], scalars: tensors[index].tensor.scalars)
      }
    }
    #expect(error.path == folder + "/model.safetensors", "\(error)")
    #expect(error.reason.hasPrefix("tensor \(name) is "), "\(error)")
  }

  @Test func qwen2NeedsItsQueryBias() throws {
    let name = "model.layers.0.self_attn.q_proj.bias"
    let (folder, error) = try refusal("qwen2") { try editWeights($0) { $0.removeAll { $0.name == name } } }
    #expect(error == ModelLoadError(path: folder + "/model.safetensors", reason: "no tensor \(name)"))
  }

  @Test func anUnknownModelTypeIsNamed() throws {
    let (folder, error) = try refusal("llama") {
      try editJSON($0 + "/config.json") { $0["model_type"] = "mamba" }
    }
    #expect(
      error.path == folder + "/config.json" && error.reason.hasPrefix("model_type \"mamba\" is not run here"))
  }

  @Test func settingsNotRunHereAreNamed() throws {
    let gelu = try refusal("gpt2") {
      try editJSON($0 + "/config.json") { $0["activation_function"] = "relu" }
    }
    #expect(
      gelu.error.path == gelu.folder + "/config.json" && gelu.error.reason.contains("activation_function"))
    let scaling = try refusal("llama") {
      try editJSON($0 + "/config.json") { $0["rope_scaling"] = ["rope_type": "yarn", "factor": 4] }
    }
    #expect(scaling.error.path == scaling.folder + "/config.json" && scaling.error.reason.contains("yarn"))
  }

  @Test(arguments: [false, true])
  func aTokenizerOfAnotherModelTypeIsNamed(_ tokenizerOnly: Bool) throws {
    let (folder, error) = try refusal("qwen2", tokenizerOnly: tokenizerOnly) {
      try editJSON($0 + "/tokenizer.json") { fields in
        var model = fields["model"] as! [String: Any]
        model["type"] = "Unigram"
        fields["model"] = model
      }
    }
    #expect(error.path == folder + "/tokenizer.json", "\(error)")
    #expect(error.reason.contains("Unigram"), "\(error)")
  }

  @Test func aFolderWithoutWeightsIsNamed() throws {
    let (folder, error) = try refusal("gpt2") {
      try FileManager.default.removeItem(atPath: $0 + "/model.safetensors")
    }
    #expect(error == ModelLoadError(path: folder, reason: "no model.safetensors in the model folder"))
  }
}

/// The recorded attention is `N · H · L²` floats: a run is refused when that
/// passes the budget, by one token, and accepted at it.
@Suite struct DecoderRecordingLimitTests {
  @Test func aRunPastTheBudgetIsRefusedBeforeAllocating() throws {
    let model = try #require(
      try ModelLoader.load(contentsOf: HuggingFaceDecoderFixture.folder("llama")) as? LlamaModel)
    let perToken = Double(model.sizes.layerCount * model.sizes.headCount * 4)
    let budget = perToken * 40 * 40
    #expect(throws: Never.self) { try model.checkRecording(40, budget: budget) }
    #expect(throws: DecoderError.self) { try model.checkRecording(41, budget: budget) }
    // The default budget, half the machine's memory: a million tokens of even this tiny model's
    // 2 × 4 heads would be 35 TB.
    let refusal = #expect(throws: DecoderError.self) { try model.checkRecording(1 << 20) }
    #expect(
      refusal?.reason.hasPrefix("recording the attention of 1048576 tokens") == true,
      "\(String(describing: refusal))")
  }
}
