import Foundation

extension LlamaConfig {
  /// The `model_type`s read from Hugging Face folders.
  public static let huggingFaceModelTypes = ["llama", "qwen2"]

  /// Reads and checks the sizes in a Hugging Face `config.json` of model
  /// type `llama` or `qwen2`, with transformers' defaults for the keys it
  /// may leave out.
  ///
  /// Refused: another `hidden_act` than `silu`, `rope_scaling`, a
  /// `head_dim` other than `hidden_size / num_attention_heads`, `mlp_bias`,
  /// and Qwen2's sliding window. Qwen2 adds biases to its query, key and
  /// value projections; Llama's `attention_bias` adds them there and to
  /// the output projection. The rotary embedding rotates halves.
  ///
  /// - Throws: `ModelLoadError` naming the file and the key at fault.
  init(huggingFace config: HuggingFaceConfig) throws(ModelLoadError) {
    let architecture = try config.string("model_type", default: "")
    guard Self.huggingFaceModelTypes.contains(architecture) else {
      throw config.fail("model_type \"\(architecture)\" is not a Llama-family decoder")
    }
    let isQwen2 = architecture == "qwen2"
    self.architecture = architecture
    let activation = try config.string("hidden_act", default: "silu")
    guard activation == "silu" else {
      throw config.fail("hidden_act \"\(activation)\" is not run here; supported: silu")
    }
    layerCount = try config.integer("num_hidden_layers", in: 1...4096)
    hiddenSize = try config.integer("hidden_size", in: 1...1 << 16)
    feedForwardSize = try config.integer("intermediate_size", in: 1...1 << 18)
    headCount = try config.integer("num_attention_heads", in: 1...1024)
    keyValueHeadCount = try config.integer("num_key_value_heads", default: headCount, in: 1...1024)
    vocabularySize = try config.integer("vocab_size", in: 1...1 << 24)
    contextLength = try config.integer(
      "max_position_embeddings", default: isQwen2 ? 32768 : 2048, in: 1...1 << 20)
    guard headCount % keyValueHeadCount == 0 else {
      throw config.fail(
        "num_key_value_heads is \(keyValueHeadCount), which does not divide the \(headCount) query heads")
    }
    guard hiddenSize % headCount == 0, (hiddenSize / headCount) % 2 == 0 else {
      throw config.fail("hidden_size \(hiddenSize) does not split into \(headCount) heads of an even width")
    }
    let headDim = try config.integer("head_dim", default: hiddenSize / headCount, in: 1...1 << 16)
    guard headDim == hiddenSize / headCount else {
      throw config.fail(
        "head_dim is \(headDim); only heads of hidden_size / num_attention_heads are run here")
    }
    // transformers 4 writes rope_theta and rope_scaling; 5 writes both in rope_parameters.
    var ropeBase = try config.number("rope_theta", default: 10_000, in: 1...1e12)
    if let parameters = config.fields["rope_parameters"] as? [String: Any] {
      let type = parameters["rope_type"] as? String ?? "default"
      guard type == "default" else {
        throw config.fail("rope_parameters' rope_type \"\(type)\" is not run here")
      }
      if let theta = (parameters["rope_theta"] as? NSNumber)?.doubleValue { ropeBase = theta }
    }
    if !config.isMissing("rope_scaling") {
      let scaling = config.fields["rope_scaling"] as? [String: Any]
      let type = scaling?["rope_type"] as? String ?? scaling?["type"] as? String ?? "?"
      guard type == "default" else { throw config.fail("rope_scaling \"\(type)\" is not run here") }
    }
    guard ropeBase.isFinite, ropeBase > 1 else { throw config.fail("rope_theta is \(ropeBase)") }
    self.ropeBase = ropeBase
    normEpsilon = Float(try config.number("rms_norm_eps", default: 1e-6, in: 1e-12...0.5))
    rotaryLayout = .halves
    try config.require("mlp_bias", toBe: false, because: "biases in the feed-forward block are not run here")
    if isQwen2 {
      try config.require(
        "use_sliding_window", toBe: false, because: "sliding-window attention is not run here")
      hasQueryKeyValueBias = true
    } else {
      let bias = try config.bool("attention_bias", default: false)
      hasQueryKeyValueBias = bias
      hasOutputBias = bias
    }
    tiesOutputToEmbedding = try config.bool("tie_word_embeddings", default: false)
  }
}
