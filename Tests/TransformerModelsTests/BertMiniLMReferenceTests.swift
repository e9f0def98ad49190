import Foundation
import Testing
import TransformerModels

/// The folder of the default model: `ATTN_MODEL_DIR`, else where `scripts/fetch-model` puts it.
let miniLMFolder: String = {
  let environment = ProcessInfo.processInfo.environment
  if let folder = environment["ATTN_MODEL_DIR"], !folder.isEmpty { return folder }
  let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.cache"
  return cache + "/attentionkit/all-MiniLM-L6-v2"
}()

let miniLMAvailable = ["config.json", "model.safetensors"].allSatisfy {
  FileManager.default.fileExists(atPath: miniLMFolder + "/" + $0)
}

/// Loaded once for every test that needs it.
let miniLM: Result<BertModel, BertModelError> = Result { () throws(BertModelError) in
  try BertModel(contentsOf: miniLMFolder)
}

/// What transformers computed for one input (see scripts/reference/bert_fixtures.py).
struct MiniLMCase: Decodable, Sendable, CustomTestStringConvertible {
  let name: String
  let ids: [Int]
  let typeIds: [Int]
  let attentionLayer0Head0: [[Double]]
  let attentionLastLayerHeadLastRow0: [Double]
  let attentionSquareSums: [[Double]]
  let attentionTotal: Double
  let hiddenTokens: [Int]
  let hiddenFirst8: [[Double]]
  let sentenceEmbeddingFirst8: [Double]

  var testDescription: String { name }

  enum CodingKeys: String, CodingKey {
    case name, ids
    case typeIds = "type_ids"
    case attentionLayer0Head0 = "attention_layer0_head0"
    case attentionLastLayerHeadLastRow0 = "attention_last_layer_head_last_row0"
    case attentionSquareSums = "attention_square_sums"
    case attentionTotal = "attention_total"
    case hiddenTokens = "hidden_tokens"
    case hiddenFirst8 = "hidden_first8"
    case sentenceEmbeddingFirst8 = "sentence_embedding_first8"
  }

  /// The cases of `Fixtures/minilm_reference.json`, next to this file.
  static let all: [MiniLMCase] = {
    struct Document: Decodable { let cases: [MiniLMCase] }
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/minilm_reference.json")
    // A missing or broken fixture is a bug in the repository, so fail loudly.
    let data = try! Data(contentsOf: url)
    return try! JSONDecoder().decode(Document.self, from: data).cases
  }()
}

/// all-MiniLM-L6-v2 against Hugging Face transformers (eager attention, float32, CPU).
@Suite(
  .enabled(
    if: miniLMAvailable,
    "no all-MiniLM-L6-v2 at \(miniLMFolder); run scripts/fetch-model or set ATTN_MODEL_DIR"))
struct BertMiniLMReferenceTests {
  @Test func configIsTheDefaultModels() throws {
    let config = try miniLM.get().config
    #expect(
      config
        == BertConfig(
          vocabularySize: 30522, hiddenSize: 384, layerCount: 6, headCount: 12, intermediateSize: 1536,
          maxPositions: 512, typeVocabularySize: 2, layerNormEpsilon: 1e-12))
  }

  @Test(arguments: MiniLMCase.all)
  func matchesTransformers(_ reference: MiniLMCase) throws {
    let output = try miniLM.get().forward(ids: reference.ids, typeIds: reference.typeIds)
    let length = reference.ids.count
    let (layers, heads) = (6, 12)
    #expect(output.attentions.shape == [layers, heads, length, length])
    #expect(output.lastHiddenState.shape == [length, 384])
    let attentions = output.attentions.scalars
    func attention(_ layer: Int, _ head: Int, _ query: Int) -> ArraySlice<Float> {
      let start = ((layer * heads + head) * length + query) * length
      return attentions[start..<start + length]
    }

    var attentionError = 0.0
    for query in 0..<length {
      attentionError = max(
        attentionError, maximumDifference(attention(0, 0, query), reference.attentionLayer0Head0[query]))
    }
    attentionError = max(
      attentionError,
      maximumDifference(attention(layers - 1, heads - 1, 0), reference.attentionLastLayerHeadLastRow0))

    // Σ a² over a head changes by at most 2·L·max|Δa| when every weight moves by max|Δa| (rows sum to 1).
    var squareSumError = 0.0
    for layer in 0..<layers {
      for head in 0..<heads {
        let squares = (0..<length).reduce(0.0) { sum, query in
          attention(layer, head, query).reduce(sum) { $0 + Double($1) * Double($1) }
        }
        squareSumError = max(squareSumError, abs(squares - reference.attentionSquareSums[layer][head]))
      }
    }
    let total = attentions.reduce(0.0) { $0 + Double($1) }

    var hiddenError = 0.0
    for (token, expected) in zip(reference.hiddenTokens, reference.hiddenFirst8) {
      let start = token * 384
      hiddenError = max(
        hiddenError, maximumDifference(output.lastHiddenState.scalars[start..<start + 8], expected))
    }
    let embeddingError = maximumDifference(
      output.sentenceEmbedding.scalars.prefix(8), reference.sentenceEmbeddingFirst8)
    let norm = output.sentenceEmbedding.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()

    print(
      "\(reference.name) (\(length) tokens): max |Δ| attention \(attentionError), square sums \(squareSumError), "
        + "hidden \(hiddenError), sentence embedding \(embeddingError)")
    #expect(attentionError <= 1e-4)
    #expect(squareSumError <= 2 * Double(length) * 1e-4)
    #expect(abs(total - reference.attentionTotal) <= 1e-3)
    #expect(hiddenError <= 1e-3)
    #expect(embeddingError <= 1e-4)
    #expect(abs(norm - 1) <= 1e-5)
  }

  @Test func paddedBatchMatchesSingleSequences() throws {
    let model = try miniLM.get()
    let cases = MiniLMCase.all
    let outputs = try model.forward(batch: cases.map { ($0.ids, $0.typeIds) })
    for (output, reference) in zip(outputs, cases) {
      let alone = try model.forward(ids: reference.ids, typeIds: reference.typeIds)
      #expect(output.attentions.shape == alone.attentions.shape)
      #expect(
        maximumDifference(output.attentions.scalars, alone.attentions.scalars) <= 1e-5, "\(reference.name)")
      #expect(
        maximumDifference(output.lastHiddenState.scalars, alone.lastHiddenState.scalars) <= 1e-4,
        "\(reference.name)")
    }
  }
}
