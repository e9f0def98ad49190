import Foundation

/// What Hugging Face's tokenizer for SmolLM2-135M-Instruct gave
/// (scripts/reference/bpe_fixtures.py): encodings of many texts, byte
/// strings that are not UTF-8, and chat renders.
public struct SmolLM2TokenizerFixture: Decodable, Sendable {
  /// One text and Hugging Face's encoding of it.
  public struct Case: Decodable, Sendable, CustomStringConvertible {
    public let name: String
    public var description: String { name }
    public let text: String
    /// What the pre-tokenizer alone cuts the text into, in GPT-2's byte alphabet.
    public let pieces: [String]
    /// `tokenizer(text)["input_ids"]`.
    public let ids: [Int]
    /// `convert_ids_to_tokens(ids)`, in GPT-2's byte alphabet (`Ġthe`).
    public let tokens: [String]
    /// The bytes each token stands for, in hex.
    public let tokenBytes: [String]
    /// `decode(ids, skip_special_tokens=False)`.
    public let decoded: String

    private enum CodingKeys: String, CodingKey {
      case name, text, pieces, ids, tokens, decoded
      case tokenBytes = "token_bytes"
    }
  }

  /// Bytes that are not UTF-8, and where Python's decoder first stumbles.
  public struct InvalidUTF8: Decodable, Sendable, CustomStringConvertible {
    public let name: String
    public var description: String { name }
    public let bytes: [UInt8]
    public let firstBadOffset: Int

    private enum CodingKeys: String, CodingKey {
      case name, bytes
      case firstBadOffset = "first_bad_offset"
    }
  }

  /// A conversation and `apply_chat_template(messages, add_generation_prompt=True)`.
  public struct Chat: Decodable, Sendable, CustomStringConvertible {
    public struct Message: Decodable, Sendable {
      public let role: String
      public let content: String
    }
    public let name: String
    public var description: String { name }
    public let messages: [Message]
    /// The rendered prompt (`tokenize=False`).
    public let text: String
    /// Its ids (`tokenize=True`).
    public let ids: [Int]
  }

  /// A chat template spelled another way, and what transformers renders
  /// with it for each of `chats`, in order.
  public struct TemplateVariant: Decodable, Sendable, CustomStringConvertible {
    public let name: String
    public var description: String { name }
    public let template: String
    public let renders: [String]
  }

  public let vocabularySize: Int
  public let chatTemplate: String
  public let cases: [Case]
  public let invalidUTF8: [InvalidUTF8]
  public let chats: [Chat]
  public let templateVariants: [TemplateVariant]

  private enum CodingKeys: String, CodingKey {
    case cases, chats
    case vocabularySize = "vocabulary_size"
    case chatTemplate = "chat_template"
    case invalidUTF8 = "invalid_utf8"
    case templateVariants = "template_variants"
  }

  /// Tests/TransformerModelsTests/Fixtures, where the fixture and the saved tokenizer live.
  public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("TransformerModelsTests/Fixtures")

  /// The folder `save_pretrained` wrote: tokenizer.json, tokenizer_config.json.
  public static let tokenizerFolder = folder.appendingPathComponent("smollm2-tokenizer")

  /// The fixture, read once.
  public static let shared: SmolLM2TokenizerFixture = {
    let url = folder.appendingPathComponent("smollm2_tokenizer.json")
    do {
      return try JSONDecoder().decode(SmolLM2TokenizerFixture.self, from: Data(contentsOf: url))
    } catch {
      fatalError("\(url.path): \(error)")
    }
  }()

  /// The bytes a readable token label stands for, reading `␣` as a space,
  /// `↵` as a newline, `⇥` as a tab and `<0xE4>` as that byte; every other
  /// character as its UTF-8.
  public static func bytes(ofLabel label: String) -> [UInt8] {
    let scalars = Array(label.unicodeScalars)
    var bytes: [UInt8] = []
    var index = 0
    while index < scalars.count {
      switch scalars[index] {
      case "\u{2423}": bytes.append(0x20)
      case "\u{21B5}": bytes.append(0x0A)
      case "\u{21E5}": bytes.append(0x09)
      case "<"
      where index + 5 < scalars.count && scalars[index + 1] == "0" && scalars[index + 2] == "x"
        && scalars[index + 5] == ">":
        let hex = String(String.UnicodeScalarView(scalars[index + 3...index + 4]))
        if let byte = UInt8(hex, radix: 16) {
          bytes.append(byte)
          index += 6
          continue
        }
        bytes.append(0x3C)
      default:
        bytes.append(contentsOf: String(scalars[index]).utf8)
      }
      index += 1
    }
    return bytes
  }

  /// `"e4b8"` as `[0xE4, 0xB8]`.
  public static func bytes(ofHex hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count - 1, by: 2).map {
      UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)!
    }
  }
}
