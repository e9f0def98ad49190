import AttentionCore
import Foundation
import TensorIO

extension BertModel {
  /// Loads a Hugging Face BERT folder: `config.json`, `model.safetensors`
  /// and the tokenizer's `vocab.txt` (with `tokenizer_config.json` and
  /// `special_tokens_map.json` when present).
  ///
  /// Other files (pooling config, README) are not read.
  ///
  /// - Parameter folder: e.g. the folder `scripts/fetch-model` prints.
  /// - Throws: `BertModelError` naming the missing file, the config field,
  ///   the tensor or the tokenizer file at fault.
  public init(contentsOf folder: String) throws(BertModelError) {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
      throw BertModelError(path: folder, reason: "no such folder")
    }
    guard isFolder.boolValue else { throw BertModelError(path: folder, reason: "not a folder") }
    let configPath = (folder as NSString).appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: configPath) else {
      throw BertModelError(path: folder, reason: "no config.json in the model folder")
    }
    let config = try BertConfig(contentsOf: configPath)
    let weightsPath = (folder as NSString).appendingPathComponent("model.safetensors")
    guard FileManager.default.fileExists(atPath: weightsPath) else {
      let pickle = FileManager.default.fileExists(
        atPath: (folder as NSString).appendingPathComponent("pytorch_model.bin"))
      throw BertModelError(
        path: folder,
        reason: "no model.safetensors in the model folder"
          + (pickle ? " (pytorch_model.bin is not read; save the model with safetensors)" : ""))
    }
    let weights: SafetensorsFile
    do {
      weights = try SafetensorsFile(contentsOf: weightsPath)
    } catch {
      throw BertModelError(path: error.path, reason: error.reason)
    }
    let tokenizer: WordPieceTokenizer
    do {
      tokenizer = try WordPieceTokenizer(contentsOf: folder)
    } catch {
      throw BertModelError(path: error.path ?? folder, reason: error.reason)
    }
    try self.init(config: config, weights: weights, tokenizer: tokenizer)
  }

  /// Takes the encoder's weights from a safetensors file, checking every shape against `config`.
  ///
  /// Names are those of `transformers`' `BertModel` (`embeddings.…`,
  /// `encoder.layer.N.…`), optionally under `bert.` as in `BertForX`
  /// checkpoints; LayerNorm parameters may use the old `gamma`/`beta` names.
  /// Tensors the encoder does not use (pooler, heads, `position_ids`) are ignored.
  ///
  /// - Throws: `BertModelError` naming a missing tensor, a tensor whose
  ///   shape differs from what `config` implies, with both shapes, or a
  ///   tokenizer with more tokens than the embeddings have rows.
  public init(config: BertConfig, weights: SafetensorsFile, tokenizer: WordPieceTokenizer)
    throws(BertModelError)
  {
    guard tokenizer.vocabularySize <= config.vocabularySize else {
      throw BertModelError(
        path: "vocab.txt",
        reason:
          "\(tokenizer.vocabularySize) tokens, more than the \(config.vocabularySize) of config.json's vocab_size"
      )
    }
    let reader = WeightReader(file: weights)
    let (width, feedForward) = (config.hiddenSize, config.intermediateSize)

    func dense(_ name: String, outputs: Int, inputs: Int) throws(BertModelError) -> DenseLayer {
      DenseLayer(
        weight: try reader.tensor(name + ".weight", shape: [outputs, inputs]),
        bias: try reader.tensor(name + ".bias", shape: [outputs]))
    }
    func norm(_ name: String) throws(BertModelError) -> LayerNormalization {
      LayerNormalization(
        weight: try reader.tensor(name + ".weight", shape: [width], oldName: name + ".gamma"),
        bias: try reader.tensor(name + ".bias", shape: [width], oldName: name + ".beta"),
        epsilon: config.layerNormEpsilon)
    }

    self.config = config
    self.tokenizer = tokenizer
    wordEmbeddings = try reader.tensor(
      "embeddings.word_embeddings.weight", shape: [config.vocabularySize, width])
    positionEmbeddings = try reader.tensor(
      "embeddings.position_embeddings.weight", shape: [config.maxPositions, width])
    tokenTypeEmbeddings = try reader.tensor(
      "embeddings.token_type_embeddings.weight", shape: [config.typeVocabularySize, width])
    embeddingNorm = try norm("embeddings.LayerNorm")
    var layers: [BertLayer] = []
    for index in 0..<config.layerCount {
      let prefix = "encoder.layer.\(index)."
      let projections = [
        try dense(prefix + "attention.self.query", outputs: width, inputs: width),
        try dense(prefix + "attention.self.key", outputs: width, inputs: width),
        try dense(prefix + "attention.self.value", outputs: width, inputs: width),
      ]
      layers.append(
        BertLayer(
          queryKeyValue: DenseLayer(concatenating: projections),
          attentionOutput: try dense(prefix + "attention.output.dense", outputs: width, inputs: width),
          attentionNorm: try norm(prefix + "attention.output.LayerNorm"),
          intermediate: try dense(prefix + "intermediate.dense", outputs: feedForward, inputs: width),
          output: try dense(prefix + "output.dense", outputs: width, inputs: feedForward),
          outputNorm: try norm(prefix + "output.LayerNorm")))
    }
    self.layers = layers
  }
}

/// Finds the encoder's tensors in a checkpoint, whichever naming it uses.
private struct WeightReader {
  let file: SafetensorsFile
  /// `"bert."` for `BertForX` checkpoints, `""` for a bare `BertModel`.
  let prefix: String

  init(file: SafetensorsFile) {
    self.file = file
    prefix = file.info(named: "bert.embeddings.word_embeddings.weight") != nil ? "bert." : ""
  }

  /// The tensor `name` (or its `oldName`), which must have `shape`.
  func tensor(_ name: String, shape: [Int], oldName: String? = nil) throws(BertModelError) -> Tensor {
    let candidates = [name] + (oldName.map { [$0] } ?? [])
    guard let found = candidates.lazy.map({ prefix + $0 }).first(where: { file.info(named: $0) != nil }),
      let info = file.info(named: found)
    else {
      let tried = candidates.map { "\"\(prefix)\($0)\"" }.joined(separator: " or ")
      throw BertModelError(path: file.path, reason: "no tensor \(tried), which the BERT encoder needs")
    }
    guard info.shape == shape else {
      throw BertModelError(
        path: file.path,
        reason: "tensor \"\(found)\" has shape \(info.shape), but config.json implies \(shape)")
    }
    do {
      return try file.tensor(named: found)
    } catch {
      throw BertModelError(path: error.path, reason: error.reason)
    }
  }
}
