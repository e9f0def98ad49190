import AttentionCore
import Foundation
import TensorIO

/// A Llama-family decoder (Llama, SmolLM, Qwen2, …) read from a GGUF file
/// or a Hugging Face folder: RMSNorm, rotary position embedding,
/// grouped-query attention on the flash kernel (with Qwen2's biases on Q,
/// K and V), a SwiGLU feed-forward block, and an output layer tied to the
/// embedding or its own.
///
/// Legend: `N` layers, `H` query heads, `K` key/value heads, `D` hidden
/// width, `d` head width, `F` feed-forward width, `V` vocabulary, `L` tokens.
///
/// ```swift
/// let model = try LlamaModel(contentsOf: "SmolLM2-135M-Instruct.Q4_1.gguf", tokenizer: tokenizer)
/// let run = try model.generate(prompt: model.tokenize("The capital of France is"),
///                              options: GenerationOptions(maxTokens: 8)) { print($0.text, terminator: "") }
/// run.attention.attentions   // [30, 9, L, L], causal
/// ```
public final class LlamaModel: @unchecked Sendable {
  /// The sizes.
  public let config: LlamaConfig
  let tokenizer: any TextDecodingTokenizer
  /// `[V, D]`, read a row at a time.
  let embedding: DecoderEmbedding
  let layers: [Layer]
  /// `[D]`.
  let outputNorm: [Float]
  /// `[V, D]`: its own matrix, or the embedding when the two are tied.
  let output: DecoderMatrix
  let chatTemplate: ChatTemplateSource

  struct Layer: Sendable {
    /// `[D]` each.
    let attentionNorm: [Float]
    let attention: DecoderAttention
    let feedForwardNorm: [Float]
    /// `[F, D]`, `[F, D]`, `[D, F]`.
    let gate: DecoderMatrix
    let up: DecoderMatrix
    let down: DecoderMatrix
  }

  /// How the weight matrices are multiplied.
  public enum Arithmetic: String, Sendable, Equatable {
    /// The weights stay in their quantized blocks, mapped from the file, and
    /// meet activations quantized to 8 bits (llama.cpp's scheme): the fast path.
    case quantized
    /// The weights are dequantized once to Float32 and multiplied in Float32,
    /// as transformers does with a GGUF file: the reference. A Hugging Face
    /// folder's weights are always multiplied so.
    case exact
  }

  /// The arithmetic of the weight products.
  public let arithmetic: Arithmetic

  /// Maps the GGUF file at `path` and reads its weights.
  ///
  /// - Parameter tokenizer: the tokenizer of the same model.
  /// - Throws: `ModelLoadError` naming the file and the key or tensor at fault.
  public convenience init(
    contentsOf path: String, tokenizer: any TextDecodingTokenizer, arithmetic: Arithmetic = .quantized
  ) throws(ModelLoadError) {
    let file: GGUFFile
    do { file = try GGUFFile(contentsOf: path) } catch {
      throw ModelLoadError(path: path, reason: error.reason)
    }
    try self.init(file: file, tokenizer: tokenizer, arithmetic: arithmetic)
  }

  /// Reads the weights of an opened GGUF file.
  public convenience init(
    file: GGUFFile, tokenizer: any TextDecodingTokenizer, arithmetic: Arithmetic = .quantized
  ) throws(ModelLoadError) {
    let template: String?
    do { template = try file.string("tokenizer.chat_template") } catch {
      throw ModelLoadError(path: file.path, reason: error.reason)
    }
    try self.init(
      config: LlamaConfig(gguf: file), weights: .gguf(file), names: .gguf, tokenizer: tokenizer,
      chatTemplate: ChatTemplateSource(template: template, path: file.path, key: "tokenizer.chat_template"),
      arithmetic: arithmetic)
  }

  /// Reads every weight `config` calls for from `weights`, under `names`,
  /// checking each shape.
  init(
    config: LlamaConfig, weights: DecoderWeights, names: LlamaTensorNames,
    tokenizer: any TextDecodingTokenizer,
    chatTemplate: ChatTemplateSource, arithmetic: Arithmetic
  ) throws(ModelLoadError) {
    let (width, ffn, kvWidth) = (
      config.hiddenSize, config.feedForwardSize, config.keyValueHeadCount * config.headSize
    )
    func matrix(_ name: String, _ outputs: Int, _ inputs: Int, bias: Bool = false) throws(ModelLoadError)
      -> DecoderMatrix
    {
      var biasValues: [Float]?
      if bias { biasValues = try weights.floats(name + ".bias", shape: [outputs]) }
      return try weights.matrix(
        name + ".weight", outputs: outputs, inputs: inputs, bias: biasValues, arithmetic: arithmetic)
    }
    embedding = try weights.embedding(names.embedding, rows: config.vocabularySize, width: width)
    var layers: [Layer] = []
    for index in 0..<config.layerCount {
      let prefix = names.layerPrefix + "\(index)."
      let qkvBias = config.hasQueryKeyValueBias
      layers.append(
        Layer(
          attentionNorm: try weights.floats(prefix + names.attentionNorm, shape: [width]),
          attention: DecoderAttention(
            query: try matrix(prefix + names.query, width, width, bias: qkvBias),
            key: try matrix(prefix + names.key, kvWidth, width, bias: qkvBias),
            value: try matrix(prefix + names.value, kvWidth, width, bias: qkvBias),
            output: try matrix(prefix + names.attentionOutput, width, width, bias: config.hasOutputBias)),
          feedForwardNorm: try weights.floats(prefix + names.feedForwardNorm, shape: [width]),
          gate: try matrix(prefix + names.gate, ffn, width),
          up: try matrix(prefix + names.up, ffn, width),
          down: try matrix(prefix + names.down, width, ffn)))
    }
    outputNorm = try weights.floats(names.outputNorm, shape: [width])
    output = try weights.matrix(
      config.tiesOutputToEmbedding ? names.embedding : names.output, outputs: config.vocabularySize,
      inputs: width,
      arithmetic: arithmetic)
    self.arithmetic = arithmetic
    self.config = config
    self.tokenizer = tokenizer
    self.layers = layers
    self.chatTemplate = chatTemplate
  }
}

/// Where a Llama-family decoder's tensors are in its files: GGUF's names
/// (`blk.N.attn_q.weight`) or transformers' (`model.layers.N.self_attn.q_proj.weight`).
/// Projections and norms are named without their `.weight` or `.bias`.
struct LlamaTensorNames: Sendable {
  let embedding: String
  let outputNorm: String
  let output: String
  /// Before each layer's number.
  let layerPrefix: String
  let attentionNorm, query, key, value, attentionOutput: String
  let feedForwardNorm, gate, up, down: String

  static let gguf = LlamaTensorNames(
    embedding: "token_embd.weight", outputNorm: "output_norm.weight", output: "output.weight",
    layerPrefix: "blk.",
    attentionNorm: "attn_norm.weight", query: "attn_q", key: "attn_k", value: "attn_v",
    attentionOutput: "attn_output", feedForwardNorm: "ffn_norm.weight", gate: "ffn_gate", up: "ffn_up",
    down: "ffn_down")

  static let huggingFace = LlamaTensorNames(
    embedding: "model.embed_tokens.weight", outputNorm: "model.norm.weight", output: "lm_head.weight",
    layerPrefix: "model.layers.", attentionNorm: "input_layernorm.weight", query: "self_attn.q_proj",
    key: "self_attn.k_proj", value: "self_attn.v_proj", attentionOutput: "self_attn.o_proj",
    feedForwardNorm: "post_attention_layernorm.weight", gate: "mlp.gate_proj", up: "mlp.up_proj",
    down: "mlp.down_proj")
}

extension LlamaModel: CausalDecoder {
  var sizes: DecoderSizes { config.sizes }
  var decodingTokenizer: any TextDecodingTokenizer { tokenizer }

  public var summary: ModelSummary {
    ModelSummary(
      architecture: config.architecture, layerCount: config.layerCount, headCount: config.headCount,
      maxTokens: config.contextLength, attentionKind: .causal)
  }

  public var textTokenizer: any TextTokenizer { tokenizer }

  var attentionOutputs: [DecoderMatrix] { layers.map(\.attention.output) }

  public func run(_ encoding: Encoding, options: RunOptions) throws -> ModelRun {
    try decoderRun(encoding, options: options)
  }

  /// Reads the prompt keeping records, not weights: see `AttentionRecording`.
  public func record(_ encoding: Encoding) throws -> AttentionRecording {
    try decoderRecord(encoding)
  }

  public func recordingByteCount(tokens: Int) -> Int { decoderRecordingByteCount(tokens: tokens) }

  public func generateRecorded(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> RecordedGeneration {
    try decoderGenerateRecorded(prompt: prompt, options: options, onToken: onToken)
  }

  public func generate(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> GenerationRun {
    try decoderGenerate(prompt: prompt, options: options, onToken: onToken)
  }

  /// The logits after every token of `ids`, read from the start: `[L, V]`,
  /// row `i` predicting token `i + 1` (a teacher-forced run).
  public func logits(forTokens ids: [Int]) throws -> Tensor { try decoderLogits(forTokens: ids) }

  public func chatPrompt(user: String, system: String?) throws -> String {
    try chatTemplate.prompt(user: user, system: system)
  }
}
