/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
  /// `"system"`, `"user"` or `"assistant"`, written into the prompt as it is.
  public var role: String
  /// The message's text.
  public var content: String

  public init(role: String, content: String) {
    self.role = role
    self.content = content
  }
}

/// A model's chat template, recognised among the few supported and applied
/// as Hugging Face's `apply_chat_template(messages,
/// add_generation_prompt=..., tokenize=False)` renders it.
///
/// Templates are Jinja; rather than run Jinja, the template is recognised:
/// compared with the supported ones after dropping the whitespace outside
/// string literals, Jinja's `-` whitespace markers, and `+` between two
/// literals. Supported:
/// - ChatML with a default system message, as SmolLM2 ships it: when the
///   first message is not a system message, `<|im_start|>system\n…<|im_end|>\n`
///   with the template's text comes first.
/// - Plain ChatML: each message as `<|im_start|>role\ncontent<|im_end|>\n`.
///
/// Either ends with `<|im_start|>assistant\n` when a generation prompt is asked for.
public struct ChatTemplate: Sendable, Equatable {
  /// The supported kinds of template.
  public enum Kind: Sendable, Equatable {
    /// ChatML with this system message when the first message is not one.
    case chatMLWithDefaultSystem(String)
    /// ChatML.
    case chatML
  }

  /// Which template this is.
  public let kind: Kind

  /// The names of the supported templates, for messages.
  public static let supported = "ChatML with a default system message (SmolLM2's), plain ChatML"

  /// Recognises `template`.
  ///
  /// - Parameters:
  ///   - template: the Jinja text, GGUF's `tokenizer.chat_template` or
  ///     tokenizer_config.json's `chat_template`.
  ///   - source: where it came from; errors name it.
  /// - Throws: `TokenizerError` naming the template by its first line,
  ///   shortened, and the supported ones.
  public init(template: String, source: String) throws(TokenizerError) {
    let pieces = canonicalPieces(template)
    if pieces == canonicalPieces(ChatTemplate.chatMLTemplate) {
      kind = .chatML
      return
    }
    let smol = canonicalPieces(ChatTemplate.smolLM2Template)
    if pieces.count == smol.count {
      var system: String?
      var same = true
      for (piece, reference) in zip(pieces, smol) where piece != reference {
        if case .literal(let text) = piece, case .literal(let expected) = reference,
          expected == "<|im_start|>system\nSYSTEM<|im_end|>\n", system == nil,
          text.hasPrefix("<|im_start|>system\n"), text.hasSuffix("<|im_end|>\n"),
          text.utf8.count >= "<|im_start|>system\n<|im_end|>\n".utf8.count
        {
          system = String(text.dropFirst("<|im_start|>system\n".count).dropLast("<|im_end|>\n".count))
        } else {
          same = false
        }
      }
      if same, let system {
        kind = .chatMLWithDefaultSystem(system)
        return
      }
    }
    let firstLine =
      template.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    throw TokenizerError(
      path: source,
      reason: "chat template \(quoted(firstLine)) is not supported; supported: \(ChatTemplate.supported)")
  }

  /// The prompt text of `messages`, to be encoded as it is (its special
  /// tokens typed out, e.g. `<|im_start|>`).
  ///
  /// - Parameter addGenerationPrompt: ends with the opening of an
  ///   assistant message, for the model to write.
  public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
    var text = ""
    if case .chatMLWithDefaultSystem(let system) = kind, let first = messages.first, first.role != "system" {
      text += "<|im_start|>system\n" + system + "<|im_end|>\n"
    }
    for message in messages {
      text += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n"
    }
    if addGenerationPrompt { text += "<|im_start|>assistant\n" }
    return text
  }

  /// SmolLM2-Instruct's template, its system text replaced by `SYSTEM`.
  static let smolLM2Template = """
    {% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}\
    {{ '<|im_start|>system\nSYSTEM<|im_end|>\n' }}{% endif %}\
    {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}\
    {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """

  /// ChatML as Hugging Face's chat templating guide writes it.
  static let chatMLTemplate = """
    {% for message in messages %}\
    {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}\
    {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """
}

/// A template as code and string literals, for comparison.
private enum TemplatePiece: Equatable {
  case code(String)
  case literal(String)
}

/// `template` without whitespace outside literals, without Jinja's `-`
/// whitespace markers, with each literal's escapes decoded and adjacent
/// literals joined by `+` made one.
private func canonicalPieces(_ template: String) -> [TemplatePiece] {
  var pieces: [TemplatePiece] = []
  var code = ""
  func flushCode() {
    if !code.isEmpty { pieces.append(.code(code)) }
    code = ""
  }
  let scalars = Array(template.unicodeScalars)
  var index = 0
  while index < scalars.count {
    let scalar = scalars[index]
    if scalar == "'" || scalar == "\"" {
      var literal = ""
      index += 1
      while index < scalars.count && scalars[index] != scalar {
        if scalars[index] == "\\" && index + 1 < scalars.count {
          index += 1
          switch scalars[index] {
          case "n": literal += "\n"
          case "t": literal += "\t"
          case "r": literal += "\r"
          default: literal.unicodeScalars.append(scalars[index])
          }
        } else {
          literal.unicodeScalars.append(scalars[index])
        }
        index += 1
      }
      index += 1
      flushCode()
      if pieces.count >= 2, case .code("+") = pieces[pieces.count - 1],
        case .literal(let before) = pieces[pieces.count - 2]
      {
        pieces.removeLast(2)
        pieces.append(.literal(before + literal))
      } else {
        pieces.append(.literal(literal))
      }
      continue
    }
    index += 1
    if scalar.properties.isWhitespace { continue }
    if scalar == "-" {
      let after = index < scalars.count ? scalars[index] : " "
      let afterNext = index + 1 < scalars.count ? scalars[index + 1] : " "
      if code.hasSuffix("{%") || code.hasSuffix("{{") { continue }
      if (after == "%" || after == "}") && afterNext == "}" { continue }
    }
    code.unicodeScalars.append(scalar)
  }
  flushCode()
  return pieces
}
