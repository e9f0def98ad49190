/// The hyperparameters of a BERT encoder, as in a Hugging Face `config.json`.
///
/// Only what the encoder needs is kept; dropout rates and training settings
/// do not matter for inference.
public struct BertConfig: Equatable, Sendable {
  /// The `model_type` values this encoder runs.
  public static let supportedModelTypes = ["bert"]
  /// The `hidden_act` values this encoder runs (`"gelu"` is the exact, erf-based GELU).
  public static let supportedActivations = ["gelu"]

  /// Rows of the word embedding table (`vocab_size`).
  public var vocabularySize: Int
  /// The width of every token's hidden state (`hidden_size`).
  public var hiddenSize: Int
  /// The number of encoder layers (`num_hidden_layers`).
  public var layerCount: Int
  /// Attention heads per layer (`num_attention_heads`); divides `hiddenSize`.
  public var headCount: Int
  /// The width of the feed-forward block (`intermediate_size`).
  public var intermediateSize: Int
  /// The longest sequence the position embeddings cover (`max_position_embeddings`).
  public var maxPositions: Int
  /// The number of segment types (`type_vocab_size`), 2 for sentence pairs.
  public var typeVocabularySize: Int
  /// The epsilon added to the variance in every LayerNorm (`layer_norm_eps`).
  public var layerNormEpsilon: Float

  /// The width of one attention head, `hiddenSize / headCount`.
  public var headSize: Int { hiddenSize / headCount }

  /// Creates a configuration from its sizes.
  ///
  /// - Precondition: every size is positive and `headCount` divides `hiddenSize`.
  public init(
    vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
    maxPositions: Int, typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12
  ) {
    precondition(
      [vocabularySize, hiddenSize, layerCount, headCount, intermediateSize, maxPositions, typeVocabularySize]
        .allSatisfy { $0 > 0 }, "BertConfig sizes must be positive")
    precondition(hiddenSize % headCount == 0, "\(headCount) heads do not divide hidden size \(hiddenSize)")
    self.vocabularySize = vocabularySize
    self.hiddenSize = hiddenSize
    self.layerCount = layerCount
    self.headCount = headCount
    self.intermediateSize = intermediateSize
    self.maxPositions = maxPositions
    self.typeVocabularySize = typeVocabularySize
    self.layerNormEpsilon = layerNormEpsilon
  }
}
