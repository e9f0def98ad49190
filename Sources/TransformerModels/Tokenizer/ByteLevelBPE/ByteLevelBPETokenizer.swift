import Foundation

/// The byte-level BPE tokenizer of GPT-2 and the decoders after it
/// (SmolLM2, Llama 3, Qwen2), as Hugging Face's `tokenizers` runs it.
///
/// A text goes through these steps:
/// 1. Control and user-defined tokens typed in the text (`<|im_start|>`)
///    are kept whole: leftmost, then longest, exact bytes.
/// 2. Each stretch between them is normalized (NFC, for a tokenizer.json
///    that asks for it) and cut into pieces by the pre-tokenizer (for
///    SmolLM2: each digit alone, then GPT-2's pattern).
/// 3. Each piece's UTF-8 bytes are merged by rank into tokens
///    (`BytePairMerges`); the vocabulary spells a byte as GPT-2's
///    printable alphabet does (`Ġ` for a space).
/// 4. BOS first if the model asks for it; the encoding is cut to
///    `maxLength`.
///
/// `Encoding.tokens` holds readable labels (`label(for:)`): `␣the`, not
/// `Ġthe`.
///
/// ```swift
/// let tokenizer = try ByteLevelBPETokenizer(tokenizerJSON: "SmolLM2/tokenizer.json")
/// let encoding = try tokenizer.encode("Hello world", pair: nil)
/// // encoding.tokens: ["Hello", "␣world"]
/// ```
public struct ByteLevelBPETokenizer: TextTokenizer {
  /// The most tokens an encoding holds, BOS included.
  public let maxLength: Int
  /// The beginning-of-sequence token, if the vocabulary names one.
  public let bosID: Int?
  /// The end-of-sequence token, if the vocabulary names one.
  public let eosID: Int?
  /// The token for a byte the vocabulary lacks, if any.
  public let unknownID: Int?
  /// The padding token, if any.
  public let paddingID: Int?
  /// Whether an encoding starts with `bosID`.
  public let addsBOS: Bool

  /// The tokens in id order, as the vocabulary spells them.
  private let pieces: [String]
  /// Whether each token is read as its text (control, user-defined and
  /// unknown tokens) rather than as bytes in GPT-2's alphabet.
  private let isTextToken: [Bool]
  private let textTokenIDs: [[UInt8]: Int]
  let preTokenizer: ByteLevelPreTokenizer
  private let merges: BytePairMerges
  private let specialTokens: SpecialTokenSplitter
  /// The id of each ordinary token by its bytes, for a pre-tokenizer whose
  /// pieces skip the merges when they are tokens already; empty otherwise.
  private let wholePieceIDs: [[UInt8]: Int]
  private let normalizesNFC: Bool

  /// The pre-tokenizer names a vocabulary may give.
  public static var supportedPreTokenizers: [String] { ByteLevelPreTokenizer.supportedNames }

  /// Creates a tokenizer from a vocabulary, e.g. a GGUF file's.
  ///
  /// - Parameters:
  ///   - vocabulary: tokens, merges, kinds and special ids.
  ///   - source: where the vocabulary came from, e.g. the GGUF path; errors name it.
  /// - Throws: `TokenizerError` naming `source` and the first problem: no
  ///   tokens, a token listed twice, a merge not of the form `"a b"` or
  ///   naming a token the vocabulary lacks, an id out of range, a kind
  ///   GGUF does not define, or a pre-tokenizer not supported here.
  public init(vocabulary: ByteLevelBPEVocabulary, source: String) throws(TokenizerError) {
    guard let named = ByteLevelPreTokenizer.named(vocabulary.preTokenizer) else {
      throw TokenizerError(
        path: source,
        reason: "pre-tokenizer \"\(vocabulary.preTokenizer)\" is not supported; supported: "
          + ByteLevelPreTokenizer.supportedNames.joined(separator: ", "))
    }
    var pairs: [(String, String)] = []
    pairs.reserveCapacity(vocabulary.merges.count)
    for (rank, merge) in vocabulary.merges.enumerated() {
      let parts = merge.split(separator: " ", omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw TokenizerError(
          path: source, reason: "merge \(rank) \(quoted(merge)) is not of the form \"a b\"")
      }
      pairs.append((String(parts[0]), String(parts[1])))
    }
    try self.init(
      vocabulary: vocabulary, mergePairs: pairs, preTokenizer: named.0, ignoresMerges: named.ignoresMerges,
      normalizesNFC: false, source: source)
  }

  /// - Parameter mergePairs: the merges as pairs; `vocabulary.merges` is not read.
  init(
    vocabulary: ByteLevelBPEVocabulary, mergePairs: [(String, String)], preTokenizer: ByteLevelPreTokenizer,
    ignoresMerges: Bool, normalizesNFC: Bool, source: String
  ) throws(TokenizerError) {
    func fail(_ reason: String) -> TokenizerError { TokenizerError(path: source, reason: reason) }
    let tokens = vocabulary.tokens
    guard !tokens.isEmpty else { throw fail("no tokens") }
    guard tokens.count < Int(Int32.max), mergePairs.count < Int(Int32.max) else {
      throw fail("\(tokens.count) tokens and \(mergePairs.count) merges are too many")
    }
    let types: [Int]
    if let tokenTypes = vocabulary.tokenTypes {
      guard tokenTypes.count == tokens.count else {
        throw fail("\(tokenTypes.count) token types for \(tokens.count) tokens")
      }
      if let bad = tokenTypes.firstIndex(where: { ByteLevelBPEVocabulary.TokenType(rawValue: $0) == nil }) {
        throw fail("token \(bad) has type \(tokenTypes[bad]), not one of 1 to 6")
      }
      types = tokenTypes
    } else {
      types = [Int](repeating: ByteLevelBPEVocabulary.TokenType.normal.rawValue, count: tokens.count)
    }
    for (name, id) in [
      ("BOS", vocabulary.bosID), ("EOS", vocabulary.eosID), ("unknown", vocabulary.unknownID),
      ("padding", vocabulary.paddingID),
    ] {
      if let id, !tokens.indices.contains(id) {
        throw fail("\(name) id \(id) is out of range for \(tokens.count) tokens")
      }
    }
    if vocabulary.addBOS && vocabulary.bosID == nil {
      throw fail("add_bos_token is set but there is no BOS id")
    }
    guard vocabulary.maxLength >= 1 else {
      throw fail("maximum length \(vocabulary.maxLength) is less than 1")
    }

    var ids: [[UInt8]: Int] = [:]
    ids.reserveCapacity(tokens.count)
    for (id, token) in tokens.enumerated() {
      if let earlier = ids.updateValue(id, forKey: Array(token.utf8)) {
        throw fail("token \(quoted(token)) is listed twice, as ids \(earlier) and \(id)")
      }
    }
    var mergeTable: [UInt64: (rank: Int32, id: Int32)] = [:]
    mergeTable.reserveCapacity(mergePairs.count)
    for (rank, (left, right)) in mergePairs.enumerated() {
      let merge = quoted(left + " " + right)
      guard let leftID = ids[Array(left.utf8)] else {
        throw fail("merge \(rank) \(merge) names \(quoted(left)), which is not a token")
      }
      guard let rightID = ids[Array(right.utf8)] else {
        throw fail("merge \(rank) \(merge) names \(quoted(right)), which is not a token")
      }
      guard let mergedID = ids[Array(left.utf8) + Array(right.utf8)] else {
        throw fail("merge \(rank) \(merge) makes \(quoted(left + right)), which is not a token")
      }
      mergeTable[BytePairMerges.key(leftID, rightID)] = (Int32(rank), Int32(mergedID))
    }

    let textKinds: Set<Int> = [2, 3, 4]
    isTextToken = types.map { textKinds.contains($0) }
    var byteTokens = [Int32](repeating: -1, count: 256)
    for byte in 0..<256 {
      if let id = ids[Array(String(ByteLevelAlphabet.scalars[byte]).utf8)], !isTextToken[id] {
        byteTokens[byte] = Int32(id)
      }
    }
    var special: [(token: String, id: Int)] = []
    var textTokenIDs: [[UInt8]: Int] = [:]
    for (id, type) in types.enumerated() where type == 3 || type == 4 {
      special.append((tokens[id], id))
      textTokenIDs[Array(tokens[id].utf8)] = id
    }
    var wholePieceIDs: [[UInt8]: Int] = [:]
    if ignoresMerges {
      for (id, token) in tokens.enumerated() where !isTextToken[id] {
        if let bytes = ByteLevelAlphabet.bytes(of: token) { wholePieceIDs[bytes] = id }
      }
    }

    pieces = tokens
    self.textTokenIDs = textTokenIDs
    self.preTokenizer = preTokenizer
    merges = BytePairMerges(merges: mergeTable, byteTokens: byteTokens)
    specialTokens = SpecialTokenSplitter(tokens: special)
    self.wholePieceIDs = wholePieceIDs
    self.normalizesNFC = normalizesNFC
    maxLength = vocabulary.maxLength
    bosID = vocabulary.bosID
    eosID = vocabulary.eosID
    unknownID = vocabulary.unknownID
    paddingID = vocabulary.paddingID
    addsBOS = vocabulary.addBOS
  }

  /// The number of tokens; every id is below it.
  public var vocabularySize: Int { pieces.count }

  /// The token `id` as the vocabulary spells it, e.g. `"Ġthe"` or
  /// `"<|im_start|>"`; `nil` for an id out of range.
  public func piece(for id: Int) -> String? {
    pieces.indices.contains(id) ? pieces[id] : nil
  }

  /// The id of the control or user-defined token spelled `text`, e.g.
  /// `"<|im_end|>"`.
  public func specialTokenID(_ text: String) -> Int? {
    textTokenIDs[Array(text.utf8)]
  }

  /// Whether `label` spells a control or user-defined token.
  public func isSpecialToken(_ label: String) -> Bool { specialTokenID(label) != nil }

  /// Whether `id` is a control, user-defined or unknown token, which is
  /// written as its text rather than as bytes.
  public func isSpecial(_ id: Int) -> Bool {
    isTextToken.indices.contains(id) && isTextToken[id]
  }

  /// The bytes that token `id` stands for: its text's UTF-8 for a special
  /// token, else its piece read through GPT-2's alphabet (a scalar outside
  /// the alphabet as its own UTF-8). Empty for an id out of range.
  public func bytes(for id: Int) -> [UInt8] {
    guard pieces.indices.contains(id) else { return [] }
    if isTextToken[id] { return Array(pieces[id].utf8) }
    var bytes: [UInt8] = []
    for scalar in pieces[id].unicodeScalars {
      if let byte = ByteLevelAlphabet.byte(of: scalar) {
        bytes.append(byte)
      } else {
        bytes.append(contentsOf: String(scalar).utf8)
      }
    }
    return bytes
  }

  /// A readable label for token `id`, as `Encoding.tokens` shows it.
  ///
  /// A special token is its text (`<|im_start|>`). Any other token is its
  /// bytes as UTF-8 text, with a space shown as `␣`, a newline as `↵`, a tab
  /// as `⇥`, other control characters and every byte that does not complete
  /// a character as `<0xE4>`: `␣the`, `↵↵`, `<0xE6><0xB3>`. An id out of
  /// range is `<id 123>`.
  public func label(for id: Int) -> String {
    guard pieces.indices.contains(id) else { return "<id \(id)>" }
    if isTextToken[id] { return pieces[id] }
    let bytes = bytes(for: id)
    var label = ""
    var index = 0
    while index < bytes.count {
      guard let length = UTF8Sequences.validLength(in: bytes, at: index) else {
        label += hexByte(bytes[index])
        index += 1
        continue
      }
      let scalar = String(decoding: bytes[index..<index + length], as: UTF8.self)
      switch bytes[index] {
      case 0x20: label += "\u{2423}"
      case 0x0A: label += "\u{21B5}"
      case 0x09: label += "\u{21E5}"
      case 0x00..<0x20, 0x7F: label += hexByte(bytes[index])
      default: label += scalar
      }
      index += length
    }
    return label
  }

  /// Encodes one text for a decoder: BOS if the model adds it, then the
  /// text's tokens, cut to `maxLength`. Type ids are all 0.
  ///
  /// - Throws: `TokenizerError` for an empty text or a pair, which these
  ///   models do not read.
  public func encode(_ text: String, pair: String? = nil) throws -> Encoding {
    guard pair == nil else {
      throw TokenizerError(path: nil, reason: "this model reads one text, not a pair")
    }
    guard !text.isEmpty else {
      throw TokenizerError(path: nil, reason: "empty text")
    }
    var ids: [Int] = []
    if addsBOS, let bosID { ids.append(bosID) }
    ids += tokenIDs(of: text)
    let untruncatedLength = ids.count
    if ids.count > maxLength { ids.removeSubrange(maxLength...) }
    return Encoding(
      tokens: ids.map(label(for:)), ids: ids, typeIds: [Int](repeating: 0, count: ids.count),
      truncated: ids.count < untruncatedLength, untruncatedLength: untruncatedLength)
  }

  /// Encodes UTF-8 bytes, refusing any that are not well-formed.
  ///
  /// - Parameters:
  ///   - bytes: the text's UTF-8.
  ///   - source: where the bytes came from (a file, a request); errors name it.
  /// - Throws: `TokenizerError` naming `source` and the offset of the first
  ///   byte that is not well-formed UTF-8, or as `encode(_:pair:)` does.
  public func encode(bytes: [UInt8], source: String) throws -> Encoding {
    var index = 0
    while index < bytes.count {
      guard let length = UTF8Sequences.validLength(in: bytes, at: index) else {
        throw TokenizerError(
          path: source, reason: "byte \(index) (\(hexByte(bytes[index]))) is not well-formed UTF-8")
      }
      index += length
    }
    do {
      return try encode(String(decoding: bytes, as: UTF8.self), pair: nil)
    } catch let error as TokenizerError {
      throw TokenizerError(path: source, reason: error.reason)
    }
  }

  /// The token ids of `text`, without BOS or truncation.
  public func tokenIDs(of text: String) -> [Int] {
    var ids: [Int] = []
    ids.reserveCapacity(text.utf8.count / 3 + 1)
    var bytes: [UInt8] = []
    for segment in specialTokens.segments(of: text) {
      switch segment {
      case .special(let id):
        ids.append(id)
      case .text(let scalars):
        let stretch: [Unicode.Scalar] =
          normalizesNFC
          ? Array(
            String(String.UnicodeScalarView(scalars)).precomposedStringWithCanonicalMapping.unicodeScalars)
          : Array(scalars)
        let (buffer, ranges) = preTokenizer.pieces(of: stretch)
        for range in ranges {
          bytes.removeAll(keepingCapacity: true)
          for scalar in buffer[range] {
            UTF8.encode(scalar) { bytes.append($0) }
          }
          if !wholePieceIDs.isEmpty, let id = wholePieceIDs[bytes] {
            ids.append(id)
          } else {
            merges.appendTokens(of: bytes, unknownID: unknownID, to: &ids)
          }
        }
      }
    }
    return ids
  }

  /// The text of `ids`: special tokens as their text, the bytes of the
  /// others decoded as UTF-8, each malformed stretch as U+FFFD (as
  /// Hugging Face's `decode(ids, skip_special_tokens=False)`). Ids out of
  /// range are skipped.
  public func decode(_ ids: [Int]) -> String {
    var text = ""
    var bytes: [UInt8] = []
    for id in ids where pieces.indices.contains(id) {
      if isTextToken[id] {
        text += String(decoding: bytes, as: UTF8.self)
        bytes.removeAll(keepingCapacity: true)
        text += pieces[id]
      } else {
        bytes += self.bytes(for: id)
      }
    }
    return text + String(decoding: bytes, as: UTF8.self)
  }
}

/// `<0xE4>`.
func hexByte(_ byte: UInt8) -> String {
  let digits = String(byte, radix: 16, uppercase: true)
  return "<0x" + (digits.count == 1 ? "0" + digits : digits) + ">"
}

/// A string in quotes, cut to 40 scalars, for an error message.
func quoted(_ text: String) -> String {
  let scalars = text.unicodeScalars
  var shown = String(String.UnicodeScalarView(scalars.prefix(40)))
  if scalars.count > 40 { shown += "…" }
  return "\"" + shown.replacingOccurrences(of: "\n", with: "\\n") + "\""
}
