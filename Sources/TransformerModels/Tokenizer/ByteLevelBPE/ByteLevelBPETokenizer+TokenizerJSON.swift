import Foundation

extension ByteLevelBPETokenizer {
  /// Larger tokenizer.json files are refused before they are read; Llama 3's
  /// and Qwen2's, the largest byte-level ones, are under 12 MB.
  static let maximumTokenizerJSONSize = 64 << 20
  /// Larger tokenizer_config.json files are refused before they are read.
  static let maximumTokenizerConfigSize = 1 << 20

  /// Reads a Hugging Face tokenizer.json of model type `BPE` with a
  /// `ByteLevel` pre-tokenizer and decoder.
  ///
  /// - `model`: `vocab`, `merges` (`"a b"` strings or `["a", "b"]` pairs),
  ///   `unk_token`, `ignore_merges`; `dropout`, a subword prefix or suffix
  ///   and `byte_fallback` are refused.
  /// - `added_tokens`: kept whole in a text; `special` ones are control
  ///   tokens, the others user-defined. `lstrip`, `rstrip` and
  ///   `single_word` are refused.
  /// - `normalizer`: none or `NFC`.
  /// - `pre_tokenizer`: `ByteLevel(add_prefix_space, use_regex)`, alone or
  ///   in a `Sequence` with `Digits(individual_digits)` and `Split` by GPT-2's,
  ///   Llama 3's or Qwen2's regex (isolated).
  /// - `post_processor`: none, `ByteLevel`, or `TemplateProcessing` whose
  ///   single template is `$A` or one special token then `$A` (the BOS).
  /// - `tokenizer_config.json` beside it, if any: `eos_token`, `pad_token`,
  ///   and `bos_token` when the post-processor names none.
  ///
  /// - Parameters:
  ///   - path: the tokenizer.json; errors name it.
  ///   - maxLength: the most tokens an encoding holds, e.g. the model's
  ///     context length.
  /// - Throws: `TokenizerError` naming the file and the first problem; a
  ///   tokenizer of another model type (WordPiece, Unigram, …) is refused
  ///   with its type.
  public init(tokenizerJSON path: String, maxLength: Int = .max) throws(TokenizerError) {
    func fail(_ reason: String) -> TokenizerError { TokenizerError(path: path, reason: reason) }
    let root = try readJSONObject(
      path, limit: ByteLevelBPETokenizer.maximumTokenizerJSONSize, kind: "tokenizer.json")

    guard let model = root["model"] as? [String: Any] else { throw fail("no \"model\" object") }
    guard let modelType = model["type"] as? String else { throw fail("model has no \"type\"") }
    guard modelType == "BPE" else {
      throw fail("model type \(modelType) is not byte-level BPE, the one this tokenizer reads")
    }
    if let dropout = model["dropout"], !(dropout is NSNull) { throw fail("BPE dropout is not supported") }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
      if let affix = model[key] as? String, !affix.isEmpty { throw fail("BPE \(key) is not supported") }
    }
    if model["byte_fallback"] as? Bool == true { throw fail("BPE byte_fallback is not supported") }
    let ignoresMerges = model["ignore_merges"] as? Bool ?? false

    guard let vocab = model["vocab"] as? [String: Any] else { throw fail("model has no \"vocab\" object") }
    var byID: [Int: String] = [:]
    byID.reserveCapacity(vocab.count)
    for (token, value) in vocab {
      guard let id = (value as? NSNumber)?.intValue, id >= 0, id < 1 << 24 else {
        throw fail("vocab id of \(quoted(token)) is not a whole number below 2^24")
      }
      if let other = byID.updateValue(token, forKey: id) {
        throw fail("id \(id) is given to both \(quoted(other)) and \(quoted(token))")
      }
    }
    var textTokens: [Int: Int] = [:]  // id -> GGUF token type
    for (index, entry) in (root["added_tokens"] as? [Any] ?? []).enumerated() {
      guard let added = entry as? [String: Any], let content = added["content"] as? String, !content.isEmpty,
        let id = (added["id"] as? NSNumber)?.intValue, id >= 0, id < 1 << 24
      else { throw fail("added_tokens[\(index)] has no content or id") }
      for flag in ["lstrip", "rstrip", "single_word"] where added[flag] as? Bool == true {
        throw fail("added token \(quoted(content)) has \(flag), which is not supported")
      }
      if let other = byID[id], other != content {
        throw fail("added token \(quoted(content)) has id \(id), which the vocab gives \(quoted(other))")
      }
      byID[id] = content
      let special = added["special"] as? Bool ?? false
      textTokens[id] = special ? ByteLevelBPEVocabulary.TokenType.control.rawValue : 4
    }
    let count = (byID.keys.max() ?? -1) + 1
    guard count > 0 else { throw fail("no tokens") }
    var tokens: [String] = []
    tokens.reserveCapacity(count)
    for id in 0..<count {
      guard let token = byID[id] else { throw fail("no token has id \(id), below the largest \(count - 1)") }
      tokens.append(token)
    }
    let types = (0..<count).map { textTokens[$0] ?? ByteLevelBPEVocabulary.TokenType.normal.rawValue }

    guard let mergeList = model["merges"] as? [Any] else { throw fail("model has no \"merges\" list") }
    var pairs: [(String, String)] = []
    pairs.reserveCapacity(mergeList.count)
    for (rank, merge) in mergeList.enumerated() {
      if let pair = merge as? [Any], pair.count == 2, let left = pair[0] as? String,
        let right = pair[1] as? String,
        !left.isEmpty, !right.isEmpty
      {
        pairs.append((left, right))
      } else if let line = merge as? String {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
          throw fail("merge \(rank) \(quoted(line)) is not of the form \"a b\"")
        }
        pairs.append((String(parts[0]), String(parts[1])))
      } else {
        throw fail("merge \(rank) is neither \"a b\" nor a pair of strings")
      }
    }

    let normalizesNFC = try nfcNormalizer(root["normalizer"], fail: fail)
    let preTokenizer = try byteLevelPreTokenizer(root["pre_tokenizer"], fail: fail)
    guard let decoder = root["decoder"] as? [String: Any], decoder["type"] as? String == "ByteLevel" else {
      throw fail("the decoder is not ByteLevel")
    }
    let bosToken = try templateBOS(root["post_processor"], fail: fail)

    let configPath = ((path as NSString).deletingLastPathComponent as NSString)
      .appendingPathComponent("tokenizer_config.json")
    var config: [String: Any] = [:]
    if FileManager.default.fileExists(atPath: configPath) {
      config = try readJSONObject(
        configPath, limit: ByteLevelBPETokenizer.maximumTokenizerConfigSize, kind: "tokenizer_config.json")
    }
    func configID(_ key: String) throws(TokenizerError) -> Int? {
      guard let value = config[key], !(value is NSNull) else { return nil }
      guard let text = value as? String ?? (value as? [String: Any])?["content"] as? String else {
        throw TokenizerError(path: configPath, reason: "\(key) is not a token")
      }
      guard let id = tokens.firstIndex(where: { $0.utf8.elementsEqual(text.utf8) }) else {
        throw TokenizerError(path: configPath, reason: "\(key) \(quoted(text)) is not a token")
      }
      return id
    }
    func id(of token: String?, _ what: String) throws(TokenizerError) -> Int? {
      guard let token else { return nil }
      guard let id = tokens.firstIndex(where: { $0.utf8.elementsEqual(token.utf8) }) else {
        throw fail("\(what) \(quoted(token)) is not a token")
      }
      return id
    }
    let templateBOSID = try id(of: bosToken, "the post-processor's token")
    let configBOSID = try configID("bos_token")
    let vocabulary = ByteLevelBPEVocabulary(
      tokens: tokens, merges: [], tokenTypes: types, preTokenizer: "tokenizer.json",
      bosID: templateBOSID ?? configBOSID, eosID: try configID("eos_token"),
      unknownID: try id(of: model["unk_token"] as? String, "unk_token"), paddingID: try configID("pad_token"),
      addBOS: templateBOSID != nil, maxLength: maxLength)
    try self.init(
      vocabulary: vocabulary, mergePairs: pairs, preTokenizer: preTokenizer, ignoresMerges: ignoresMerges,
      normalizesNFC: normalizesNFC, source: path)
  }
}

/// The JSON object in `path`, read only if it is at most `limit` bytes.
func readJSONObject(_ path: String, limit: Int, kind: String) throws(TokenizerError) -> [String: Any] {
  func fail(_ reason: String) -> TokenizerError { TokenizerError(path: path, reason: reason) }
  guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
    throw fail("no such file")
  }
  guard attributes[.type] as? FileAttributeType == .typeRegular else { throw fail("not a regular file") }
  let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
  guard size <= limit else { throw fail("\(size) bytes is too large for a \(kind) (limit \(limit))") }
  guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be read") }
  defer { try? handle.close() }
  // Read at most one byte past the limit, in case the file grew since.
  let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
  guard data.count <= limit else { throw fail("more than \(limit) bytes, too large for a \(kind)") }
  guard let object = try? JSONSerialization.jsonObject(with: data) else { throw fail("not valid JSON") }
  guard let fields = object as? [String: Any] else { throw fail("not a JSON object") }
  return fields
}

/// Whether the normalizer is NFC (`true`) or none (`false`).
private func nfcNormalizer(_ value: Any?, fail: (String) -> TokenizerError) throws(TokenizerError) -> Bool {
  guard let value, !(value is NSNull) else { return false }
  guard let normalizer = value as? [String: Any], let type = normalizer["type"] as? String else {
    throw fail("the normalizer has no type")
  }
  if type == "NFC" { return true }
  if type == "Sequence", let parts = normalizer["normalizers"] as? [Any] {
    var nfc = false
    for part in parts { nfc = try nfcNormalizer(part, fail: fail) || nfc }
    return nfc
  }
  throw fail("normalizer \(type) is not supported; supported: none, NFC")
}

/// The steps of a `ByteLevel` pre-tokenizer, alone or in a `Sequence`.
private func byteLevelPreTokenizer(_ value: Any?, fail: (String) -> TokenizerError) throws(TokenizerError)
  -> ByteLevelPreTokenizer
{
  guard let root = value as? [String: Any] else { throw fail("no pre_tokenizer; a ByteLevel one is needed") }
  let parts: [Any]
  if root["type"] as? String == "Sequence" {
    guard let list = root["pretokenizers"] as? [Any] else { throw fail("pre_tokenizer Sequence has no list") }
    parts = list
  } else {
    parts = [root]
  }
  var steps: [ByteLevelPreTokenizer.Step] = []
  var sawByteLevel = false
  for part in parts {
    guard let step = part as? [String: Any], let type = step["type"] as? String else {
      throw fail("a pre-tokenizer has no type")
    }
    switch type {
    case "ByteLevel":
      guard !sawByteLevel else { throw fail("two ByteLevel pre-tokenizers") }
      sawByteLevel = true
      if step["add_prefix_space"] as? Bool ?? true { steps.append(.prefixSpace) }
      if step["use_regex"] as? Bool ?? true { steps.append(.pattern(.gpt2)) }
    case "Digits":
      steps.append(.digits(individual: step["individual_digits"] as? Bool ?? false))
    case "Split":
      let pattern = step["pattern"] as? [String: Any]
      guard let regex = pattern?["Regex"] as? String,
        let known = ByteLevelPreTokenizer.SplitPattern.allCases.first(where: { $0.regex == regex })
      else {
        let shown = (pattern?["Regex"] ?? pattern?["String"]).map { "\($0)" } ?? "?"
        throw fail(
          "Split pattern \(quoted(shown)) is not supported; supported: GPT-2's, Llama 3's and Qwen2's regexes"
        )
      }
      guard (step["behavior"] as? String) == "Isolated", step["invert"] as? Bool != true else {
        throw fail("Split pre-tokenizer is not Isolated without invert, the one supported")
      }
      steps.append(.pattern(known))
    default:
      throw fail("pre-tokenizer \(type) is not supported; supported: ByteLevel, Digits, Split")
    }
  }
  guard sawByteLevel else { throw fail("the pre-tokenizer has no ByteLevel step") }
  return ByteLevelPreTokenizer(steps: steps)
}

/// The special token a `TemplateProcessing` post-processor puts before a
/// single text, `nil` if none.
private func templateBOS(_ value: Any?, fail: (String) -> TokenizerError) throws(TokenizerError) -> String? {
  guard let value, !(value is NSNull) else { return nil }
  guard let processor = value as? [String: Any], let type = processor["type"] as? String else {
    throw fail("the post_processor has no type")
  }
  switch type {
  case "ByteLevel":
    return nil
  case "Sequence":
    var bos: String?
    for part in processor["processors"] as? [Any] ?? [] {
      if let token = try templateBOS(part, fail: fail) { bos = token }
    }
    return bos
  case "TemplateProcessing":
    let single = processor["single"] as? [Any] ?? []
    func special(_ item: Any) -> String? {
      ((item as? [String: Any])?["SpecialToken"] as? [String: Any])?["id"] as? String
    }
    func isText(_ item: Any) -> Bool {
      ((item as? [String: Any])?["Sequence"] as? [String: Any])?["id"] as? String == "A"
    }
    if single.count == 1, isText(single[0]) { return nil }
    if single.count == 2, let token = special(single[0]), isText(single[1]) { return token }
    throw fail("post_processor template is not \"$A\" or \"BOS $A\", the ones supported")
  default:
    throw fail("post_processor \(type) is not supported; supported: ByteLevel, TemplateProcessing")
  }
}
