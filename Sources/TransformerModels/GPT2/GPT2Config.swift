/// The sizes of a GPT-2 decoder, as a Hugging Face `config.json` of model
/// type `gpt2` gives them.
///
/// Legend: `D` hidden width (`n_embd`), `H` heads, `d` head width
/// (`D / H`), `F` feed-forward width (`n_inner`, default `4 D`), `P`
/// positions (`n_positions`), `V` vocabulary.
public struct GPT2Config: Sendable, Equatable {
  /// Decoder layers (`n_layer`).
  public var layerCount: Int
  /// `D`.
  public var hiddenSize: Int
  /// `F`.
  public var feedForwardSize: Int
  /// `H`: every head has its own keys and values.
  public var headCount: Int
  /// `V`.
  public var vocabularySize: Int
  /// `P`: the learned positions, and so the most tokens a run reads.
  public var contextLength: Int
  /// LayerNorm's ε.
  public var normEpsilon: Float
  /// Whether the output layer is the token embedding (GPT-2's is), rather than its own matrix.
  public var tiesOutputToEmbedding: Bool

  /// `d`.
  public var headSize: Int { hiddenSize / headCount }

  /// The activations run here: both are GELU's tanh approximation.
  public static let supportedActivations = ["gelu_new", "gelu_pytorch_tanh"]

  var sizes: DecoderSizes {
    DecoderSizes(
      layerCount: layerCount, headCount: headCount, keyValueHeadCount: headCount, headSize: headSize,
      vocabularySize: vocabularySize, contextLength: contextLength)
  }

  /// Reads and checks a `config.json` of model type `gpt2`, with
  /// transformers' defaults for the keys it may leave out.
  ///
  /// Refused: an activation other than GELU's tanh approximation, and
  /// attention that is not scaled by `1 / √d` alone
  /// (`scale_attn_weights: false`, `scale_attn_by_inverse_layer_idx`).
  ///
  /// - Throws: `ModelLoadError` naming the file and the key at fault.
  init(huggingFace config: HuggingFaceConfig) throws(ModelLoadError) {
    let modelType = try config.string("model_type", default: "")
    guard modelType == "gpt2" else { throw config.fail("model_type \"\(modelType)\" is not gpt2") }
    layerCount = try config.integer("n_layer", in: 1...4096)
    hiddenSize = try config.integer("n_embd", in: 1...1 << 16)
    headCount = try config.integer("n_head", in: 1...1024)
    guard hiddenSize % headCount == 0 else {
      throw config.fail("n_head \(headCount) does not divide n_embd \(hiddenSize)")
    }
    feedForwardSize = try config.integer("n_inner", default: 4 * hiddenSize, in: 1...1 << 18)
    vocabularySize = try config.integer("vocab_size", in: 1...1 << 24)
    contextLength = try config.integer("n_positions", in: 1...1 << 20)
    let activation = try config.string("activation_function", default: "gelu_new")
    guard Self.supportedActivations.contains(activation) else {
      throw config.fail(
        "activation_function \"\(activation)\" is not run here; supported: "
          + Self.supportedActivations.joined(separator: ", "))
    }
    normEpsilon = Float(try config.number("layer_norm_epsilon", default: 1e-5, in: 1e-12...0.5))
    try config.require("scale_attn_weights", toBe: true, because: "only attention scaled by 1/√d is run here")
    try config.require(
      "scale_attn_by_inverse_layer_idx", toBe: false, because: "only attention scaled by 1/√d is run here")
    tiesOutputToEmbedding = try config.bool("tie_word_embeddings", default: true)
  }
}
