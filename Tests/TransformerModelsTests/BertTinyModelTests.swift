import AttentionTestSupport
import Foundation
import TensorIO
import Testing
import TransformerModels

/// A tiny random BERT written with the safetensors writer, run by the encoder
/// and compared with a plain Float64 implementation.
@Suite struct BertTinyModelTests {
  private func compare(
    _ output: BertOutput, with model: TinyBert, ids: [Int], typeIds: [Int],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let reference = BertFloat64Reference(model: model).forward(ids: ids, typeIds: typeIds)
    let length = ids.count
    #expect(output.lastHiddenState.shape == [length, model.hiddenSize], sourceLocation: sourceLocation)
    #expect(
      output.attentions.shape == [model.layerCount, model.headCount, length, length],
      sourceLocation: sourceLocation)
    let hiddenError = maximumDifference(output.lastHiddenState.scalars, reference.hidden.joined())
    let attentionError = maximumDifference(
      output.attentions.scalars, reference.attentions.joined().joined().joined())
    #expect(hiddenError < 1e-4, "hidden state differs by \(hiddenError)", sourceLocation: sourceLocation)
    #expect(attentionError < 1e-5, "attention differs by \(attentionError)", sourceLocation: sourceLocation)

    let means = (0..<model.hiddenSize).map { column in
      reference.hidden.reduce(0) { $0 + $1[column] } / Double(length)
    }
    let norm = means.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let embeddingError = maximumDifference(output.sentenceEmbedding.scalars, means.map { $0 / norm })
    #expect(output.sentenceEmbedding.shape == [model.hiddenSize], sourceLocation: sourceLocation)
    #expect(
      embeddingError < 1e-5, "sentence embedding differs by \(embeddingError)", sourceLocation: sourceLocation
    )
  }

  @Test(arguments: [1, 2, 7, 13, 16])
  func matchesFloat64Reference(length: Int) throws {
    let model = TinyBert(seed: 0xBE27_0000 + UInt64(length))
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bert = try BertModel(contentsOf: folder)
    #expect(
      bert.config
        == BertConfig(
          vocabularySize: 20, hiddenSize: 8, layerCount: 2, headCount: 2, intermediateSize: 12,
          maxPositions: 16,
          typeVocabularySize: 2, layerNormEpsilon: 0.05))
    var random = BertTestRandom(seed: UInt64(length))
    let ids = (0..<length).map { _ in Int.random(in: 0..<model.vocabularySize, using: &random) }
    let typeIds = (0..<length).map { $0 < length / 2 ? 0 : 1 }
    compare(try bert.forward(ids: ids, typeIds: typeIds), with: model, ids: ids, typeIds: typeIds)
    compare(try bert.forward(ids: ids), with: model, ids: ids, typeIds: Array(repeating: 0, count: length))
  }

  @Test func acceptsPrefixedAndOldNamesAndIgnoresExtraTensors() throws {
    let model = TinyBert(seed: 0xBE27_1000)
    let ids = [3, 1, 4, 1, 5, 9, 2, 6, 5]
    let typeIds = [0, 0, 0, 0, 1, 1, 1, 1, 1]
    let extra: [(name: String, tensor: Tensor)] = [
      ("bert.pooler.dense.weight", Tensor(repeating: .nan, shape: [8, 8])),
      ("bert.embeddings.position_ids", Tensor(shape: [1, 16], scalars: (0..<16).map(Float.init))),
      ("cls.predictions.bias", Tensor(repeating: .nan, shape: [20])),
    ]
    for (prefix, oldNames) in [("bert.", false), ("", true), ("bert.", true)] {
      let folder = try model.writeFolder(prefix: prefix, oldLayerNormNames: oldNames, extra: extra)
      defer { try? FileManager.default.removeItem(atPath: folder) }
      compare(
        try BertModel(contentsOf: folder).forward(ids: ids, typeIds: typeIds), with: model, ids: ids,
        typeIds: typeIds)
    }
  }

  @Test func paddedBatchEqualsSingleSequences() throws {
    let model = TinyBert(seed: 0xBE27_2000)
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bert = try BertModel(contentsOf: folder)
    var random = BertTestRandom(seed: 0xBA7C)
    let batch: [(ids: [Int], typeIds: [Int])] = [5, 11, 1, 11, 8].map { length in
      (
        (0..<length).map { _ in Int.random(in: 0..<20, using: &random) },
        (0..<length).map { _ in Int.random(in: 0...1, using: &random) }
      )
    }
    let outputs = try bert.forward(batch: batch)
    #expect(outputs.count == batch.count)
    for (output, sequence) in zip(outputs, batch) {
      compare(output, with: model, ids: sequence.ids, typeIds: sequence.typeIds)
      let alone = try bert.forward(ids: sequence.ids, typeIds: sequence.typeIds)
      #expect(maximumDifference(output.attentions.scalars, alone.attentions.scalars) < 1e-6)
      #expect(maximumDifference(output.lastHiddenState.scalars, alone.lastHiddenState.scalars) < 1e-5)
    }
  }

  @Test func inputErrorsNameTheToken() throws {
    let model = TinyBert(seed: 0xBE27_3000)
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let bert = try BertModel(contentsOf: folder)
    #expect(
      bertFailure { try bert.forward(ids: [1, 20, 3]) }
        == "the sequence: id 20 at token 1 is outside the vocabulary 0..<20")
    #expect(
      bertFailure { try bert.forward(ids: [1, -1]) }
        == "the sequence: id -1 at token 1 is outside the vocabulary 0..<20")
    #expect(bertFailure { try bert.forward(ids: []) } == "the sequence: no tokens")
    #expect(
      bertFailure { try bert.forward(ids: Array(repeating: 1, count: 17)) }
        == "the sequence: 17 tokens, but the model has 16 positions")
    #expect(
      bertFailure { try bert.forward(ids: [1, 2], typeIds: [0]) } == "the sequence: 1 type ids for 2 ids")
    #expect(
      bertFailure { try bert.forward(ids: [1, 2], typeIds: [0, 2]) }
        == "the sequence: type id 2 at token 1 is outside 0..<2")
    #expect(
      bertFailure { try bert.forward(batch: [([1], [0]), ([2, 99], [0, 0])]) }
        == "sequence 1: id 99 at token 1 is outside the vocabulary 0..<20")
    #expect(bertFailure { try bert.forward(batch: []) } == "no sequences to encode")
  }
}

/// Folders and configs the loader must refuse, with errors that name the file and the problem.
@Suite struct BertLoadingErrorTests {
  private let model = TinyBert(seed: 0xBE27_4000)

  private func loadFailure(
    config: [String: Any] = [:], edit: (inout [(name: String, tensor: Tensor)]) -> Void = { _ in }
  ) throws
    -> String?
  {
    let folder = try model.writeFolder(config: config, edit: edit)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return bertFailure { try BertModel(contentsOf: folder) }
  }

  @Test func otherModelTypesListWhatWeRun() throws {
    #expect(
      try loadFailure(config: ["model_type": "gpt2"])
        == #"config.json: model_type "gpt2" is not run here; we run: bert"#)
    #expect(
      try loadFailure(config: ["model_type": 3]) == "config.json: model_type 3 is not run here; we run: bert")
  }

  @Test func configFieldsAreChecked() throws {
    #expect(
      try loadFailure(config: ["hidden_act": "relu"])
        == #"config.json: hidden_act "relu" is not supported; supported: gelu"#)
    #expect(
      try loadFailure(config: ["hidden_size": -8])
        == "config.json: hidden_size is -8, not a positive whole number")
    #expect(
      try loadFailure(config: ["hidden_size": 8.5])
        == "config.json: hidden_size is 8.5, not a positive whole number")
    #expect(
      try loadFailure(config: ["num_attention_heads": 3])
        == "config.json: num_attention_heads 3 does not divide hidden_size 8")
    #expect(
      try loadFailure(config: ["position_embedding_type": "relative_key"])
        == #"config.json: position_embedding_type "relative_key" is not supported; supported: absolute"#)
    #expect(
      try loadFailure(config: ["layer_norm_eps": "small"])
        == #"config.json: layer_norm_eps is "small", not a number in (0, 1)"#)
  }

  @Test func missingConfigFieldsAndBadJSON() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let configPath = folder + "/config.json"
    var fields = model.configJSON
    fields["vocab_size"] = nil
    try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: configPath))
    #expect(bertFailure { try BertModel(contentsOf: folder) } == #"config.json: no "vocab_size""#)
    fields = model.configJSON
    fields["model_type"] = nil
    try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: configPath))
    #expect(
      bertFailure { try BertModel(contentsOf: folder) } == #"config.json: no "model_type"; we run: bert"#)
    try Data("{\"model_type\": \"bert\",".utf8).write(to: URL(fileURLWithPath: configPath))
    #expect(bertFailure { try BertModel(contentsOf: folder) } == "config.json: not valid JSON")
    try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: configPath))
    #expect(bertFailure { try BertModel(contentsOf: folder) } == "config.json: not a JSON object")
    // Deep nesting must be refused by the parser, not overflow the stack.
    try Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8).write(
      to: URL(fileURLWithPath: configPath))
    #expect(bertFailure { try BertModel(contentsOf: folder) } == "config.json: not valid JSON")
  }

  @Test func missingFilesAreNamed() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let name = (folder as NSString).lastPathComponent
    #expect(bertFailure { try BertModel(contentsOf: folder + "/absent") } == "absent: no such folder")
    #expect(
      bertFailure { try BertModel(contentsOf: folder + "/config.json") } == "config.json: not a folder")
    try FileManager.default.removeItem(atPath: folder + "/model.safetensors")
    #expect(
      bertFailure { try BertModel(contentsOf: folder) }
        == "\(name): no model.safetensors in the model folder")
    _ = FileManager.default.createFile(atPath: folder + "/pytorch_model.bin", contents: Data([0]))
    #expect(
      bertFailure { try BertModel(contentsOf: folder) }
        == "\(name): no model.safetensors in the model folder (pytorch_model.bin is not read; save the model with safetensors)"
    )
    try FileManager.default.removeItem(atPath: folder + "/config.json")
    #expect(
      bertFailure { try BertModel(contentsOf: folder) } == "\(name): no config.json in the model folder")
  }

  @Test func wrongShapesNameTheTensorAndBothShapes() throws {
    let message = try loadFailure { tensors in
      let index = tensors.firstIndex { $0.name == "encoder.layer.1.attention.self.key.weight" }!
      tensors[index].tensor = Tensor(repeating: 0, shape: [8, 7])
    }
    #expect(
      message
        == #"model.safetensors: tensor "encoder.layer.1.attention.self.key.weight" has shape [8, 7], but config.json implies [8, 8]"#
    )
    let embedding = try loadFailure(config: ["vocab_size": 21])
    #expect(
      embedding
        == #"model.safetensors: tensor "embeddings.word_embeddings.weight" has shape [20, 8], but config.json implies [21, 8]"#
    )
  }

  @Test func missingTensorsAreNamed() throws {
    let message = try loadFailure { tensors in
      tensors.removeAll { $0.name == "encoder.layer.1.output.LayerNorm.bias" }
    }
    #expect(
      message
        == #"model.safetensors: no tensor "encoder.layer.1.output.LayerNorm.bias" or "encoder.layer.1.output.LayerNorm.beta", which the BERT encoder needs"#
    )
    let layers = try loadFailure(config: ["num_hidden_layers": 3])
    #expect(
      layers
        == #"model.safetensors: no tensor "encoder.layer.2.attention.self.query.weight", which the BERT encoder needs"#
    )
  }

  @Test func corruptWeightsFileIsReportedByTheReader() throws {
    let folder = try model.writeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/model.safetensors"
    let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    try bytes.prefix(bytes.count - 1).write(to: URL(fileURLWithPath: path))
    let message = bertFailure { try BertModel(contentsOf: folder) }
    let dataSize = bytes.count - 1 - 8 - headerLength(bytes)
    // The last tensor written is the last layer's output LayerNorm bias.
    #expect(
      message?.hasPrefix(#"model.safetensors: tensor "encoder.layer.1.output.LayerNorm.bias": data_offsets"#)
        == true
        && message?.hasSuffix("reach past the \(dataSize)-byte data section") == true,
      "\(message ?? "loaded")")
  }
}

/// The header length field of safetensors bytes.
private func headerLength(_ bytes: Data) -> Int {
  bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
}
