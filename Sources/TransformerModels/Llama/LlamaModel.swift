import AttentionCore
import Foundation
import TensorIO

/// A Llama-family decoder (Llama, SmolLM, …) read from a GGUF file: RMSNorm,
/// rotary position embedding, grouped-query attention on the flash kernel,
/// a SwiGLU feed-forward block, and an output layer tied to the embedding or
/// its own.
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
  /// The file the weights are mapped from; kept open as long as the model lives.
  let file: GGUFFile
  let tokenizer: any TextDecodingTokenizer
  /// `token_embd.weight`, `[V, D]`, read a row at a time.
  let embedding: GGUFTensorInfo
  let layers: [Layer]
  /// `[D]`.
  let outputNorm: [Float]
  /// `[V, D]`: `output.weight`, or the embedding when the two are tied.
  let output: DecoderMatrix

  struct Layer: Sendable {
    let attentionNorm: [Float]
    let query: DecoderMatrix
    let key: DecoderMatrix
    let value: DecoderMatrix
    let attentionOutput: DecoderMatrix
    let feedForwardNorm: [Float]
    let gate: DecoderMatrix
    let up: DecoderMatrix
    let down: DecoderMatrix
  }

  /// Maps the GGUF file at `path` and reads its weights.
  ///
  /// - Parameter tokenizer: the tokenizer of the same model.
  /// - Throws: `ModelLoadError` naming the file and the key or tensor at fault.
  public convenience init(
    contentsOf path: String, tokenizer: any TextDecodingTokenizer, arithmetic: Arithmetic = .quantized
  ) throws(ModelLoadError) {
    let file: GGUFFile
    do { file = try GGUFFile(contentsOf: path) } catch { throw ModelLoadError(path: path, reason: error.reason) }
    try self.init(file: file, tokenizer: tokenizer, arithmetic: arithmetic)
  }

  /// How the weight matrices are multiplied.
  public enum Arithmetic: String, Sendable, Equatable {
    /// The weights stay in their quantized blocks, mapped from the file, and
    /// meet activations quantized to 8 bits (llama.cpp's scheme): the fast path.
    case quantized
    /// The weights are dequantized once to Float32 and multiplied in Float32,
    /// as transformers does with a GGUF file: the reference.
    case exact
  }

  /// The arithmetic of the weight products.
  public let arithmetic: Arithmetic

  /// Reads the weights of an opened GGUF file.
  public init(file: GGUFFile, tokenizer: any TextDecodingTokenizer, arithmetic: Arithmetic = .quantized) throws(ModelLoadError) {
    let config = try LlamaConfig(gguf: file)
    func tensor(_ name: String) throws(ModelLoadError) -> GGUFTensorInfo {
      guard let info = file.tensor(named: name) else {
        throw ModelLoadError(path: file.path, reason: "no tensor \(name)")
      }
      return info
    }
    func vector(_ name: String, count: Int) throws(ModelLoadError) -> [Float] {
      let info = try tensor(name)
      guard info.shape == [count] else {
        throw ModelLoadError(path: file.path, reason: "tensor \(name) is \(info.shape), the metadata needs [\(count)]")
      }
      do { return try file.dequantize(info).scalars } catch {
        throw ModelLoadError(path: file.path, reason: error.reason)
      }
    }
    func matrix(_ name: String, _ outputs: Int, _ inputs: Int) throws(ModelLoadError) -> DecoderMatrix {
      try DecoderMatrix(tensor(name), of: file, outputs: outputs, inputs: inputs, arithmetic: arithmetic)
    }
    let (width, ffn, kvWidth) = (config.hiddenSize, config.feedForwardSize, config.keyValueHeadCount * config.headSize)
    embedding = try tensor("token_embd.weight")
    guard embedding.shape == [config.vocabularySize, width] else {
      throw ModelLoadError(
        path: file.path,
        reason: "tensor token_embd.weight is \(embedding.shape), the metadata needs [\(config.vocabularySize), \(width)]")
    }
    var layers: [Layer] = []
    for index in 0..<config.layerCount {
      let prefix = "blk.\(index)."
      layers.append(
        Layer(
          attentionNorm: try vector(prefix + "attn_norm.weight", count: width),
          query: try matrix(prefix + "attn_q.weight", width, width),
          key: try matrix(prefix + "attn_k.weight", kvWidth, width),
          value: try matrix(prefix + "attn_v.weight", kvWidth, width),
          attentionOutput: try matrix(prefix + "attn_output.weight", width, width),
          feedForwardNorm: try vector(prefix + "ffn_norm.weight", count: width),
          gate: try matrix(prefix + "ffn_gate.weight", ffn, width),
          up: try matrix(prefix + "ffn_up.weight", ffn, width),
          down: try matrix(prefix + "ffn_down.weight", width, ffn)))
    }
    outputNorm = try vector("output_norm.weight", count: width)
    let outputTensor = file.tensor(named: "output.weight") ?? embedding
    output = try DecoderMatrix(
      outputTensor, of: file, outputs: config.vocabularySize, inputs: width, arithmetic: arithmetic)
    self.arithmetic = arithmetic
    self.config = config
    self.file = file
    self.tokenizer = tokenizer
    self.layers = layers
  }
}

extension LlamaModel: GenerativeModel {
  public var summary: ModelSummary {
    ModelSummary(
      architecture: config.architecture, layerCount: config.layerCount, headCount: config.headCount,
      maxTokens: config.contextLength, attentionKind: .causal)
  }

  public var textTokenizer: any TextTokenizer { tokenizer }

  public func attention(for encoding: Encoding) throws -> ModelAttention {
    try checkPrompt(encoding.ids)
    var state = DecoderState(config: config, capacity: encoding.ids.count, recordsAttention: true)
    _ = run(encoding.ids, state: &state, logits: .none)
    return ModelAttention(tokens: encoding.tokens, attentions: state.recordedAttention(), kind: .causal)
  }

  public func generate(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> GenerationRun {
    try checkPrompt(prompt.ids)
    guard options.maxTokens >= 0 else { throw LlamaModelError("max tokens is \(options.maxTokens)") }
    let capacity = min(config.contextLength, prompt.ids.count + options.maxTokens)
    var state = DecoderState(config: config, capacity: capacity, recordsAttention: true)
    var sampler = TokenSampler(options: options)
    var logits = run(prompt.ids, state: &state, logits: .last)
    var generated: [Int] = []
    var labels = prompt.tokens
    var text = ""
    var stop = GenerationStop.maxTokens
    let endOfSequence = options.stopAtEndOfSequence ? tokenizer.endOfSequenceID : nil
    while generated.count < options.maxTokens {
      guard state.length < config.contextLength else {
        stop = .contextFull
        break
      }
      let id = sampler.choose(from: logits)
      generated.append(id)
      labels.append(tokenizer.label(for: id))
      let ends = id == endOfSequence
      // The token that ends the run adds no text.
      let decoded = tokenizer.decode(ends ? Array(generated.dropLast()) : generated)
      // A character whose bytes are not all written yet decodes as U+FFFD;
      // its text waits for the token that completes it.
      let settled = decoded.hasSuffix("\u{FFFD}") ? String(decoded.dropLast()) : decoded
      let addition = settled.hasPrefix(text) ? String(settled.dropFirst(text.count)) : ""
      if settled.hasPrefix(text) { text = settled }
      try onToken(
        GeneratedToken(
          id: id, label: labels.last!, text: addition, index: generated.count - 1,
          attention: state.lastRecordedRow()))
      let last = ends || generated.count == options.maxTokens || state.length + 1 >= config.contextLength
      // Every written token is read once more, so that its own row of
      // attention is recorded; the logits are needed only to write another.
      logits = run([id], state: &state, logits: last ? .none : .last)
      if ends {
        stop = .endOfSequence
        break
      }
    }
    if stop == .maxTokens, generated.count < options.maxTokens { stop = .contextFull }
    let attention = ModelAttention(tokens: labels, attentions: state.recordedAttention(), kind: .causal)
    return GenerationRun(
      attention: attention, promptTokenCount: prompt.ids.count, generatedIds: generated,
      text: tokenizer.decode(stop == .endOfSequence ? Array(generated.dropLast()) : generated), stop: stop)
  }

  /// The logits after every token of `ids`, read from the start: `[L, V]`,
  /// row `i` predicting token `i + 1` (a teacher-forced run).
  public func logits(forTokens ids: [Int]) throws -> Tensor {
    try checkPrompt(ids)
    var state = DecoderState(config: config, capacity: ids.count, recordsAttention: false)
    let rows = run(ids, state: &state, logits: .all)
    return Tensor(shape: [ids.count, config.vocabularySize], scalars: rows)
  }

  func checkPrompt(_ ids: [Int]) throws(LlamaModelError) {
    guard !ids.isEmpty else { throw LlamaModelError("no tokens to read") }
    guard ids.count <= config.contextLength else {
      throw LlamaModelError("\(ids.count) tokens, but the model reads at most \(config.contextLength)")
    }
    if let position = ids.firstIndex(where: { $0 < 0 || $0 >= config.vocabularySize }) {
      throw LlamaModelError(
        "id \(ids[position]) at token \(position) is outside the vocabulary 0..<\(config.vocabularySize)")
    }
  }
}

/// An input a decoder cannot read, or options it cannot follow.
public struct LlamaModelError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What is wrong.
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}
