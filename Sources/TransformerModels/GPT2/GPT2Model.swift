import AttentionCore
import Foundation
import TensorIO

/// A GPT-2 decoder read from a Hugging Face folder: learned absolute
/// positions, LayerNorm before each sublayer, multi-head attention on the
/// flash kernel, a GELU (tanh) feed-forward block, biases on every
/// projection, and the output layer tied to the token embedding.
///
/// Legend: `N` layers, `H` heads, `D` hidden width, `d` head width, `F`
/// feed-forward width, `P` positions, `V` vocabulary, `L` tokens.
///
/// ```swift
/// let model = try GPT2Model(huggingFaceFolder: "tiny-gpt2")
/// let run = try model.generate(prompt: model.tokenize("Once upon a time"),
///                              options: GenerationOptions(maxTokens: 8)) { print($0.text, terminator: "") }
/// run.attention.attentions   // [N, H, L, L], causal
/// ```
public final class GPT2Model: @unchecked Sendable {
  /// The sizes.
  public let config: GPT2Config
  let tokenizer: any TextDecodingTokenizer
  /// `wte`, `[V, D]`.
  let embedding: DecoderEmbedding
  /// `wpe`, `[P, D]`.
  let positions: [Float]
  let layers: [Layer]
  /// `ln_f`.
  let outputNorm: LayerNormalization
  /// `[V, D]`: the token embedding, or `lm_head` when the two are not tied.
  let output: DecoderMatrix
  let chatTemplate: ChatTemplateSource

  struct Layer: Sendable {
    /// `ln_1`, `ln_2`.
    let attentionNorm: LayerNormalization
    let feedForwardNorm: LayerNormalization
    /// `c_attn` split into Q, K and V, and `c_proj`.
    let attention: DecoderAttention
    /// `c_fc`, `[F, D]`, and `c_proj`, `[D, F]`, with their biases.
    let up: DecoderMatrix
    let down: DecoderMatrix
  }

  /// Loads a Hugging Face folder of model type `gpt2`: `config.json`,
  /// `model.safetensors` under transformers' names (`h.N.attn.c_attn.weight`,
  /// …, under `transformer.` as `GPT2LMHeadModel` saves them or bare),
  /// `tokenizer.json` and, when present, `tokenizer_config.json`.
  ///
  /// The projections are Conv1D weights, stored `[in, out]`; they are
  /// transposed as they are read.
  ///
  /// - Throws: `ModelLoadError` naming the file and the key or tensor at fault.
  public convenience init(huggingFaceFolder folder: String) throws(ModelLoadError) {
    let files = try HuggingFaceDecoderFolder(folder)
    let config = try GPT2Config(huggingFace: files.config)
    let tokenizer = try Self.tokenizer(files, config: config)
    try self.init(
      config: config, weights: files.weights(), tokenizer: tokenizer, chatTemplate: files.chatTemplate())
  }

  /// The tokenizer of a Hugging Face folder of model type `gpt2`, cutting texts at the model's context.
  static func tokenizer(huggingFaceFolder folder: String) throws(ModelLoadError) -> ByteLevelBPETokenizer {
    let files = try HuggingFaceDecoderFolder(folder)
    return try tokenizer(files, config: GPT2Config(huggingFace: files.config))
  }

  private static func tokenizer(_ files: HuggingFaceDecoderFolder, config: GPT2Config) throws(ModelLoadError)
    -> ByteLevelBPETokenizer
  {
    let tokenizer = try files.tokenizer(maxLength: config.contextLength)
    guard tokenizer.vocabularySize <= config.vocabularySize else {
      throw ModelLoadError(
        path: files.file("tokenizer.json"),
        reason:
          "\(tokenizer.vocabularySize) tokens, more than the \(config.vocabularySize) of config.json's vocab_size"
      )
    }
    return tokenizer
  }

  init(
    config: GPT2Config, weights: DecoderWeights, tokenizer: any TextDecodingTokenizer,
    chatTemplate: ChatTemplateSource
  ) throws(ModelLoadError) {
    let (width, ffn) = (config.hiddenSize, config.feedForwardSize)
    let prefix = weights.shape(of: "transformer.wte.weight") != nil ? "transformer." : ""
    func norm(_ name: String) throws(ModelLoadError) -> LayerNormalization {
      LayerNormalization(
        weight: Tensor(
          shape: [width], scalars: try weights.floats(prefix + name + ".weight", shape: [width])),
        bias: Tensor(shape: [width], scalars: try weights.floats(prefix + name + ".bias", shape: [width])),
        epsilon: config.normEpsilon)
    }
    /// A Conv1D's weight, `[inputs, outputs]` in the file, as `[outputs, inputs]`.
    func transposed(_ name: String, inputs: Int, outputs: Int) throws(ModelLoadError) -> [Float] {
      let stored = try weights.floats(prefix + name, shape: [inputs, outputs])
      var weight = [Float](repeating: 0, count: stored.count)
      for input in 0..<inputs {
        for output in 0..<outputs { weight[output * inputs + input] = stored[input * outputs + output] }
      }
      return weight
    }
    func conv1D(_ name: String, inputs: Int, outputs: Int) throws(ModelLoadError) -> DecoderMatrix {
      DecoderMatrix(
        weights: try transposed(name + ".weight", inputs: inputs, outputs: outputs), outputs: outputs,
        inputs: inputs, bias: try weights.floats(prefix + name + ".bias", shape: [outputs]))
    }

    embedding = try weights.embedding(prefix + "wte.weight", rows: config.vocabularySize, width: width)
    positions = try weights.floats(prefix + "wpe.weight", shape: [config.contextLength, width])
    var layers: [Layer] = []
    for index in 0..<config.layerCount {
      let layer = "h.\(index)."
      // c_attn: [D, 3D] in the file, its columns Q, then K, then V.
      let fused = try transposed(layer + "attn.c_attn.weight", inputs: width, outputs: 3 * width)
      let fusedBias = try weights.floats(prefix + layer + "attn.c_attn.bias", shape: [3 * width])
      func part(_ index: Int) -> DecoderMatrix {
        DecoderMatrix(
          weights: Array(fused[(index * width * width)..<((index + 1) * width * width)]), outputs: width,
          inputs: width, bias: Array(fusedBias[(index * width)..<((index + 1) * width)]))
      }
      layers.append(
        Layer(
          attentionNorm: try norm(layer + "ln_1"), feedForwardNorm: try norm(layer + "ln_2"),
          attention: DecoderAttention(
            query: part(0), key: part(1), value: part(2),
            output: try conv1D(layer + "attn.c_proj", inputs: width, outputs: width)),
          up: try conv1D(layer + "mlp.c_fc", inputs: width, outputs: ffn),
          down: try conv1D(layer + "mlp.c_proj", inputs: ffn, outputs: width)))
    }
    outputNorm = try norm("ln_f")
    output = try weights.matrix(
      config.tiesOutputToEmbedding ? prefix + "wte.weight" : "lm_head.weight", outputs: config.vocabularySize,
      inputs: width, arithmetic: .exact)
    self.config = config
    self.tokenizer = tokenizer
    self.layers = layers
    self.chatTemplate = chatTemplate
  }
}

extension GPT2Model: CausalDecoder {
  var sizes: DecoderSizes { config.sizes }
  var decodingTokenizer: any TextDecodingTokenizer { tokenizer }

  public var summary: ModelSummary {
    ModelSummary(
      architecture: "gpt2", layerCount: config.layerCount, headCount: config.headCount,
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
