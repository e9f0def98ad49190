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
  public init(folder: String) throws {
    self.init()
    if let config = try decodeJSON(TokenizerConfigFile.self, folder: folder, file: "tokenizer_config.json") {
      if let value = config.do_lower_case { lowercases = value }
      if let value = config.strip_accents { stripsAccents = value }
      if let value = config.tokenize_chinese_chars { splitsCJKIdeographs = value }
      apply(config.specialTokens)
    }
    if let map = try decodeJSON(SpecialTokensFile.self, folder: folder, file: "special_tokens_map.json") {
      apply(map)
    }
    let configPath = (folder as NSString).appendingPathComponent("config.json")
    if let config = try decodeJSON(ModelConfigFile.self, folder: folder, file: "config.json"),
      let positions = config.max_position_embeddings
    {
      guard positions >= 2 else {
        throw TokenizerError(path: configPath, reason: "max_position_embeddings is \(positions), less than 2")
      }
      maxLength = positions
    }
  }

  private mutating func apply(_ tokens: SpecialTokensFile) {
    if let token = tokens.unk_token { unknownToken = token.content }
    if let token = tokens.cls_token { classifierToken = token.content }
    if let token = tokens.sep_token { separatorToken = token.content }
    if let token = tokens.pad_token { paddingToken = token.content }
    if let token = tokens.mask_token { maskToken = token.content }
    if let list = tokens.additional_special_tokens { additionalSpecialTokens = list.map(\.content) }
  }
}

// The files' keys keep Hugging Face's snake_case names so that decoding
// needs no key mapping and a decoding error names the key as the file has it.

/// The keys of `tokenizer_config.json` that shape BERT tokenization.
private struct TokenizerConfigFile: Decodable {
  var do_lower_case: Bool?
  var strip_accents: Bool?
  var tokenize_chinese_chars: Bool?
  var specialTokens: SpecialTokensFile

  private enum CodingKeys: String, CodingKey {
    case do_lower_case, strip_accents, tokenize_chinese_chars
  }

  init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    do_lower_case = try container.decodeIfPresent(Bool.self, forKey: .do_lower_case)
    strip_accents = try container.decodeIfPresent(Bool.self, forKey: .strip_accents)
    tokenize_chinese_chars = try container.decodeIfPresent(Bool.self, forKey: .tokenize_chinese_chars)
    specialTokens = try SpecialTokensFile(from: decoder)
  }
}

/// The special tokens, as `special_tokens_map.json` and
/// `tokenizer_config.json` both list them.
private struct SpecialTokensFile: Decodable {
  var unk_token: SpecialTokenText?
  var cls_token: SpecialTokenText?
  var sep_token: SpecialTokenText?
  var pad_token: SpecialTokenText?
  var mask_token: SpecialTokenText?
  var additional_special_tokens: [SpecialTokenText]?
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
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "empty token"))
    }
  }
}

/// The key of `config.json` that limits the length of an encoding.
private struct ModelConfigFile: Decodable {
  var max_position_embeddings: Int?
}

/// `folder/file` decoded as `T`, or `nil` if there is no such file.
private func decodeJSON<T: Decodable>(_ type: T.Type, folder: String, file: String) throws -> T? {
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
