import Foundation

extension BertConfig {
  /// Larger files are refused before they are parsed; real configs are under 2 KB.
  static let maximumFileSize = 1 << 20

  /// Reads a Hugging Face `config.json`.
  ///
  /// `model_type` must be `"bert"` and `hidden_act` (default `"gelu"`)
  /// `"gelu"`; `position_embedding_type`, when present, `"absolute"`. The
  /// sizes `vocab_size`, `hidden_size`, `num_hidden_layers`,
  /// `num_attention_heads`, `intermediate_size` and `max_position_embeddings`
  /// are required; `type_vocab_size` defaults to 2 and `layer_norm_eps` to
  /// 1e-12, as in `transformers`.
  ///
  /// - Throws: `BertModelError` naming the file and the field at fault.
  public init(contentsOf path: String) throws(BertModelError) {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
      throw BertModelError(path: path, reason: "no such file")
    }
    guard attributes[.type] as? FileAttributeType == .typeRegular else {
      throw BertModelError(path: path, reason: "not a regular file")
    }
    let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
    guard size <= BertConfig.maximumFileSize else {
      throw BertModelError(
        path: path, reason: "\(size) bytes is too large for a config (limit \(BertConfig.maximumFileSize))")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BertModelError(path: path, reason: "could not be read")
    }
    try self.init(json: data, path: path)
  }

  /// Parses the contents of a `config.json`; errors name `path`.
  public init(json data: Data, path: String = "config.json") throws(BertModelError) {
    func fail(_ reason: String) -> BertModelError { BertModelError(path: path, reason: reason) }
    guard data.count <= BertConfig.maximumFileSize else {
      throw fail("\(data.count) bytes is too large for a config (limit \(BertConfig.maximumFileSize))")
    }
    let parsed: Any
    do {
      parsed = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw fail("not valid JSON")
    }
    guard let fields = parsed as? [String: Any] else { throw fail("not a JSON object") }

    let modelTypes = BertConfig.supportedModelTypes.joined(separator: ", ")
    guard let modelType = fields["model_type"] else { throw fail("no \"model_type\"; we run: \(modelTypes)") }
    guard let modelType = modelType as? String, BertConfig.supportedModelTypes.contains(modelType) else {
      throw fail("model_type \(BertConfig.show(modelType)) is not run here; we run: \(modelTypes)")
    }
    let activation = fields["hidden_act"] ?? "gelu"
    guard let activation = activation as? String, BertConfig.supportedActivations.contains(activation) else {
      throw fail(
        "hidden_act \(BertConfig.show(activation)) is not supported; supported: "
          + BertConfig.supportedActivations.joined(separator: ", "))
    }
    if let positions = fields["position_embedding_type"], positions as? String != "absolute" {
      throw fail(
        "position_embedding_type \(BertConfig.show(positions)) is not supported; supported: absolute")
    }

    func size(_ key: String, default value: Int? = nil) throws(BertModelError) -> Int {
      guard let raw = fields[key] else {
        if let value { return value }
        throw fail("no \"\(key)\"")
      }
      guard let number = raw as? Int, number > 0 else {
        throw fail("\(key) is \(BertConfig.show(raw)), not a positive whole number")
      }
      return number
    }
    let hiddenSize = try size("hidden_size")
    let headCount = try size("num_attention_heads")
    guard hiddenSize % headCount == 0 else {
      throw fail("num_attention_heads \(headCount) does not divide hidden_size \(hiddenSize)")
    }
    var epsilon: Float = 1e-12
    if let raw = fields["layer_norm_eps"] {
      guard let value = (raw as? NSNumber)?.doubleValue, value > 0, value < 1 else {
        throw fail("layer_norm_eps is \(BertConfig.show(raw)), not a number in (0, 1)")
      }
      epsilon = Float(value)
    }
    self.init(
      vocabularySize: try size("vocab_size"), hiddenSize: hiddenSize,
      layerCount: try size("num_hidden_layers"),
      headCount: headCount, intermediateSize: try size("intermediate_size"),
      maxPositions: try size("max_position_embeddings"),
      typeVocabularySize: try size("type_vocab_size", default: 2),
      layerNormEpsilon: epsilon)
  }

  /// A JSON value as it would be written, for messages.
  private static func show(_ value: Any) -> String {
    if let text = value as? String { return "\"\(text)\"" }
    if value is NSNull { return "null" }
    if let number = value as? NSNumber { return number.stringValue }
    return "\(type(of: value))"
  }
}
