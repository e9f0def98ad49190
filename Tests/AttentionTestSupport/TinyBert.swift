import AttentionCore
import Foundation
import TensorIO

/// SplitMix64 with Gaussian samples, so every random model and input can be reproduced.
public struct BertTestRandom: RandomNumberGenerator {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A sample of N(0, deviation²) by the Box–Muller transform.
  public mutating func normal(deviation: Double) -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let v = Double.random(in: 0..<1, using: &self)
    return deviation * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
  }
}

/// A tiny BERT with random weights, written as a Hugging Face folder: 2 layers, 2 heads, hidden 8, vocabulary 20.
public struct TinyBert {
  public var vocabularySize = 20
  public var hiddenSize = 8
  public var layerCount = 2
  public var headCount = 2
  public var intermediateSize = 12
  public var maxPositions = 16
  public var typeVocabularySize = 2
  /// Far from the default, so a model that ignored the config's epsilon would fail the comparison.
  public var layerNormEpsilon = 0.05

  /// Every tensor the encoder reads, under the bare `BertModel` names, as Float64 values and shapes.
  var weights: [(name: String, shape: [Int], values: [Double])] = []

  /// - Parameter maxPositions: the position embeddings' rows, the longest input.
  public init(seed: UInt64, maxPositions: Int = 16) {
    self.maxPositions = maxPositions
    var random = BertTestRandom(seed: seed)
    func add(_ name: String, _ shape: [Int], deviation: Double = 0.6, mean: Double = 0) {
      let count = shape.reduce(1, *)
      weights.append((name, shape, (0..<count).map { _ in mean + random.normal(deviation: deviation) }))
    }
    let (width, feedForward) = (hiddenSize, intermediateSize)
    add("embeddings.word_embeddings.weight", [vocabularySize, width])
    add("embeddings.position_embeddings.weight", [maxPositions, width])
    add("embeddings.token_type_embeddings.weight", [typeVocabularySize, width])
    add("embeddings.LayerNorm.weight", [width], deviation: 0.2, mean: 1)
    add("embeddings.LayerNorm.bias", [width], deviation: 0.2)
    for layer in 0..<layerCount {
      let prefix = "encoder.layer.\(layer)."
      for part in ["query", "key", "value"] {
        add(prefix + "attention.self.\(part).weight", [width, width])
        add(prefix + "attention.self.\(part).bias", [width], deviation: 0.2)
      }
      add(prefix + "attention.output.dense.weight", [width, width])
      add(prefix + "attention.output.dense.bias", [width], deviation: 0.2)
      add(prefix + "attention.output.LayerNorm.weight", [width], deviation: 0.2, mean: 1)
      add(prefix + "attention.output.LayerNorm.bias", [width], deviation: 0.2)
      add(prefix + "intermediate.dense.weight", [feedForward, width])
      add(prefix + "intermediate.dense.bias", [feedForward], deviation: 0.2)
      add(prefix + "output.dense.weight", [width, feedForward])
      add(prefix + "output.dense.bias", [width], deviation: 0.2)
      add(prefix + "output.LayerNorm.weight", [width], deviation: 0.2, mean: 1)
      add(prefix + "output.LayerNorm.bias", [width], deviation: 0.2)
    }
  }

  /// The tokens of `vocab.txt`, one per row of the word embeddings: the
  /// special tokens, a few words (two of them CJK), then `word0`, `word1`…
  public var vocabulary: [String] {
    let known = [
      "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", ".", "東", "京",
    ]
    return Array((known + (0..<vocabularySize).map { "word\($0)" }).prefix(vocabularySize))
  }

  public func weight(_ name: String) -> [Double] {
    weights.first { $0.name == name }!.values
  }

  public var configJSON: [String: Any] {
    [
      "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
      "vocab_size": vocabularySize, "hidden_size": hiddenSize, "num_hidden_layers": layerCount,
      "num_attention_heads": headCount, "intermediate_size": intermediateSize,
      "max_position_embeddings": maxPositions, "type_vocab_size": typeVocabularySize,
      "layer_norm_eps": layerNormEpsilon, "position_embedding_type": "absolute",
      "hidden_dropout_prob": 0.1, "pad_token_id": 0,
    ]
  }

  /// Writes `config.json`, `vocab.txt` and `model.safetensors` into a new folder and returns its path.
  ///
  /// - Parameters:
  ///   - prefix: put before every name, e.g. `"bert."` as `BertForX` checkpoints do.
  ///   - oldLayerNormNames: name LayerNorm parameters `gamma`/`beta`, as old checkpoints do.
  ///   - extra: more tensors to store, which the encoder must ignore.
  ///   - config: replaces the config's fields.
  ///   - edit: changes the tensors before they are written.
  public func writeFolder(
    prefix: String = "", oldLayerNormNames: Bool = false, extra: [(name: String, tensor: Tensor)] = [],
    config: [String: Any] = [:], edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }
  ) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bert-\(UUID().uuidString)")
      .path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var tensors: [(name: String, tensor: Tensor)] = weights.map { entry in
      var name = entry.name
      if oldLayerNormNames && name.contains("LayerNorm") {
        name = name.replacingOccurrences(of: ".weight", with: ".gamma").replacingOccurrences(
          of: ".bias", with: ".beta")
      }
      return (prefix + name, Tensor(shape: entry.shape, scalars: entry.values.map { Float($0) }))
    }
    tensors += extra
    edit(&tensors)
    try SafetensorsFile.write(tensors: tensors, metadata: ["format": "pt"], to: folder + "/model.safetensors")
    try (vocabulary.joined(separator: "\n") + "\n").write(
      toFile: folder + "/vocab.txt", atomically: true, encoding: .utf8)
    let fields = configJSON.merging(config) { $1 }
    try JSONSerialization.data(withJSONObject: fields).write(
      to: URL(fileURLWithPath: folder + "/config.json"))
    return folder
  }
}
