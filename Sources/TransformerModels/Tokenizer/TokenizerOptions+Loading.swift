import Foundation

extension TokenizerOptions {
  /// The options of the model in `folder`, from the Hugging Face files that
  /// hold them; each file is optional and a missing key keeps its default.
  ///
  /// - `tokenizer_config.json`: `do_lower_case`, `strip_accents`,
  ///   `tokenize_chinese_chars`, the special tokens (`unk_token`,
  ///   `cls_token`, …, `additional_special_tokens`).
  /// - `special_tokens_map.json`: the special tokens again; these win, as in
  ///   `transformers`.
  /// - `config.json`: `max_position_embeddings`, the maximum length.
  ///
  /// - Parameter folder: the model folder; errors name the file.
  public init(contentsOf folder: String) throws(TokenizerError) {
    self.init()
    if let config = try decodeJSON(TokenizerConfigFile.self, folder: folder, file: "tokenizer_config.json") {
      if let value = config.lowercases { lowercases = value }
      if let value = config.stripsAccents { stripsAccents = value }
      if let value = config.splitsCJKIdeographs { splitsCJKIdeographs = value }
      apply(config.specialTokens)
    }
    if let map = try decodeJSON(SpecialTokensFile.self, folder: folder, file: "special_tokens_map.json") {
      apply(map)
    }
    let configPath = (folder as NSString).appendingPathComponent("config.json")
    if let config = try decodeJSON(ModelConfigFile.self, folder: folder, file: "config.json"),
      let positions = config.maxPositionEmbeddings
    {
      guard positions >= 2 else {
        throw TokenizerError(path: configPath, reason: "max_position_embeddings is \(positions), less than 2")
      }
      maxLength = positions
    }
  }

  private mutating func apply(_ tokens: SpecialTokensFile) {
    if let token = tokens.unknownToken { unknownToken = token.content }
    if let token = tokens.classifierToken { classifierToken = token.content }
    if let token = tokens.separatorToken { separatorToken = token.content }
    if let token = tokens.paddingToken { paddingToken = token.content }
    if let token = tokens.maskToken { maskToken = token.content }
    if let list = tokens.additionalSpecialTokens { additionalSpecialTokens = list.map(\.content) }
  }
}

// Coding keys spell the files' snake_case names, so a decoding error names
// the key as the file has it.

/// The keys of `tokenizer_config.json` that shape BERT tokenization.
private struct TokenizerConfigFile: Decodable {
  var lowercases: Bool?
  var stripsAccents: Bool?
  var splitsCJKIdeographs: Bool?
  var specialTokens: SpecialTokensFile

  private enum CodingKeys: String, CodingKey {
    case lowercases = "do_lower_case"
    case stripsAccents = "strip_accents"
    case splitsCJKIdeographs = "tokenize_chinese_chars"
  }

  init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    lowercases = try container.decodeIfPresent(Bool.self, forKey: .lowercases)
    stripsAccents = try container.decodeIfPresent(Bool.self, forKey: .stripsAccents)
    splitsCJKIdeographs = try container.decodeIfPresent(Bool.self, forKey: .splitsCJKIdeographs)
    specialTokens = try SpecialTokensFile(from: decoder)
  }
}

/// The special tokens, as `special_tokens_map.json` and
/// `tokenizer_config.json` both list them.
private struct SpecialTokensFile: Decodable {
  var unknownToken: SpecialTokenText?
  var classifierToken: SpecialTokenText?
  var separatorToken: SpecialTokenText?
  var paddingToken: SpecialTokenText?
  var maskToken: SpecialTokenText?
  var additionalSpecialTokens: [SpecialTokenText]?

  private enum CodingKeys: String, CodingKey {
    case unknownToken = "unk_token"
    case classifierToken = "cls_token"
    case separatorToken = "sep_token"
    case paddingToken = "pad_token"
    case maskToken = "mask_token"
    case additionalSpecialTokens = "additional_special_tokens"
  }
}

/// A special token written as a string or as an `AddedToken` object.
private struct SpecialTokenText: Decodable {
  var content: String

  private enum CodingKeys: String, CodingKey {
    case content
  }

  init(from decoder: Decoder) throws {
    if let string = try? decoder.singleValueContainer().decode(String.self) {
      content = string
    } else {
      content = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .content)
    }
    guard !content.isEmpty else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "empty token"))
    }
  }
}

/// The key of `config.json` that limits the length of an encoding.
private struct ModelConfigFile: Decodable {
  var maxPositionEmbeddings: Int?

  private enum CodingKeys: String, CodingKey {
    case maxPositionEmbeddings = "max_position_embeddings"
  }
}

/// `folder/file` decoded as `T`, or `nil` if there is no such file.
private func decodeJSON<T: Decodable>(_ type: T.Type, folder: String, file: String) throws(TokenizerError)
  -> T?
{
  let path = (folder as NSString).appendingPathComponent(file)
  guard FileManager.default.fileExists(atPath: path) else { return nil }
  let data: Data
  do {
    data = try Data(contentsOf: URL(fileURLWithPath: path))
  } catch {
    throw TokenizerError(path: path, reason: "cannot read (\(error.localizedDescription))")
  }
  do {
    return try JSONDecoder().decode(T.self, from: data)
  } catch let error as DecodingError {
    throw TokenizerError(path: path, reason: readableReason(error))
  } catch {
    throw TokenizerError(path: path, reason: "not valid JSON")
  }
}

/// One line about a decoding failure, naming the key as the file spells it.
private func readableReason(_ error: DecodingError) -> String {
  func key(_ path: [CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
  }
  switch error {
  case .typeMismatch(_, let context) where context.codingPath.isEmpty:
    return "not a JSON object"
  case .typeMismatch(let type, let context):
    return "\(key(context.codingPath)) is not \(expectedName(type))"
  case .valueNotFound(let type, let context):
    return "\(key(context.codingPath)) is null, not \(expectedName(type))"
  case .keyNotFound(let missing, let context):
    return "\(key(context.codingPath + [missing])) is missing"
  case .dataCorrupted(let context):
    if context.codingPath.isEmpty { return "not valid JSON" }
    return "\(key(context.codingPath)): \(context.debugDescription)"
  @unknown default:
    return "not a valid file"
  }
}

private func expectedName(_ type: Any.Type) -> String {
  switch type {
  case is Bool.Type: return "true or false"
  case is Int.Type: return "a whole number"
  case is String.Type: return "a string"
  default: return "the expected kind of value"
  }
}
