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
/// compared with the supported ones as what it prints and what it runs.
/// Text between tags counts as printed unless Jinja's whitespace control
/// drops it as transformers sets Jinja up (`trim_blocks`, `lstrip_blocks`,
/// `-` markers); inside tags, whitespace outside string literals and `+`
/// between two literals do not count. Supported:
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

/// One tag of a template, `{{ … }}`, `{% … %}` or `{# … #}`, or the text between two.
private enum TemplateToken {
  case text([Unicode.Scalar])
  /// `opening` is `{{`, `{%` or `{#`; `body` is what lies between the
  /// delimiters and their `-` markers; `closed` is false for a tag cut off
  /// by the end of the template.
  case tag(
    opening: String, body: ArraySlice<Unicode.Scalar>, trimsBefore: Bool, trimsAfter: Bool, closed: Bool)

  /// A statement or a comment, whose whitespace `trim_blocks` and `lstrip_blocks` take.
  var isBlock: Bool {
    if case .tag(let opening, _, _, _, _) = self { return opening != "{{" }
    return false
  }
}

/// `template` as what it prints and what it runs, for comparison: the text
/// between tags that Jinja prints, after its whitespace control as
/// transformers sets it up (`trim_blocks`, `lstrip_blocks`, and `-`
/// markers), as a literal printed by `{{ }}`; within tags, whitespace
/// outside string literals dropped, each literal's escapes decoded and
/// adjacent literals joined by `+` made one.
private func canonicalPieces(_ template: String) -> [TemplatePiece] {
  var tokens = templateTokens(Array(template.unicodeScalars))
  for index in tokens.indices {
    guard case .text(var text) = tokens[index] else { continue }
    let previous = index > 0 ? tokens[index - 1] : nil
    let next = index + 1 < tokens.count ? tokens[index + 1] : nil
    var lineStarting = previous == nil
    if case .tag(_, _, _, true, _)? = previous {
      text = Array(text.drop { $0.properties.isWhitespace })
    } else if previous?.isBlock == true, text.first == "\n" {
      // trim_blocks: the newline after a statement is not printed.
      text.removeFirst()
      lineStarting = true
    }
    if case .tag(_, _, true, _, _)? = next {
      text = Array(text.reversed().drop { $0.properties.isWhitespace }.reversed())
    } else if next?.isBlock == true, case .tag(_, let body, _, _, _)? = next, body.first != "+" {
      // lstrip_blocks: spaces and tabs from the start of a line to a statement are not printed.
      let lineStart = text.lastIndex(of: "\n").map { $0 + 1 }
      if lineStart != nil || lineStarting {
        let start = lineStart ?? 0
        if text[start...].allSatisfy({ $0 == " " || $0 == "\t" }) { text.removeSubrange(start...) }
      }
    }
    tokens[index] = .text(text)
  }

  var pieces: [TemplatePiece] = []
  for token in tokens {
    switch token {
    case .text(let text):
      if !text.isEmpty {
        pieces += [.code("{{"), .literal(String(String.UnicodeScalarView(text))), .code("}}")]
      }
    case .tag(let opening, let body, _, _, let closed):
      pieces.append(.code(opening))
      appendCodePieces(of: body, to: &pieces)
      if closed { pieces.append(.code(opening == "{{" ? "}}" : opening == "{%" ? "%}" : "#}")) }
    }
  }
  // Join adjacent code, so that where a tag is cut makes no difference.
  var joined: [TemplatePiece] = []
  for piece in pieces {
    if case .code(let code) = piece, case .code(let before)? = joined.last {
      joined[joined.count - 1] = .code(before + code)
    } else {
      joined.append(piece)
    }
  }
  return joined
}

/// The text and tags of a template. A quote inside a tag starts a string
/// literal, in which a closing delimiter does not close the tag.
private func templateTokens(_ scalars: [Unicode.Scalar]) -> [TemplateToken] {
  var tokens: [TemplateToken] = []
  var textStart = 0
  var index = 0
  while index + 1 < scalars.count {
    let second = scalars[index + 1]
    guard scalars[index] == "{", second == "{" || second == "%" || second == "#" else {
      index += 1
      continue
    }
    tokens.append(.text(Array(scalars[textStart..<index])))
    let closing: Unicode.Scalar = second == "{" ? "}" : second
    var bodyStart = index + 2
    let trimsBefore = bodyStart < scalars.count && scalars[bodyStart] == "-"
    if trimsBefore { bodyStart += 1 }
    var end = bodyStart
    var quote: Unicode.Scalar?
    var closedAt: Int?
    while end < scalars.count {
      let scalar = scalars[end]
      if let open = quote {
        if scalar == "\\" {
          end += 1
        } else if scalar == open {
          quote = nil
        }
      } else if (scalar == "'" || scalar == "\"") && second != "#" {
        quote = scalar
      } else if scalar == closing, end + 1 < scalars.count, scalars[end + 1] == "}" {
        closedAt = end
        break
      }
      end += 1
    }
    let opening = "{" + String(second)
    guard let closedAt else {
      tokens.append(
        .tag(
          opening: opening, body: scalars[bodyStart..<scalars.count], trimsBefore: trimsBefore,
          trimsAfter: false,
          closed: false))
      return tokens
    }
    var bodyEnd = closedAt
    let trimsAfter = bodyEnd > bodyStart && scalars[bodyEnd - 1] == "-"
    if trimsAfter { bodyEnd -= 1 }
    tokens.append(
      .tag(
        opening: opening, body: scalars[bodyStart..<bodyEnd], trimsBefore: trimsBefore,
        trimsAfter: trimsAfter,
        closed: true))
    index = closedAt + 2
    textStart = index
  }
  tokens.append(.text(Array(scalars[textStart...])))
  return tokens
}

/// The code and literals of a tag's body: whitespace outside literals
/// dropped, escapes decoded, and `'a' + 'b'` made one literal.
private func appendCodePieces(of body: ArraySlice<Unicode.Scalar>, to pieces: inout [TemplatePiece]) {
  var code = ""
  func flushCode() {
    if !code.isEmpty { pieces.append(.code(code)) }
    code = ""
  }
  var index = body.startIndex
  while index < body.endIndex {
    let scalar = body[index]
    if scalar == "'" || scalar == "\"" {
      var literal = ""
      index += 1
      while index < body.endIndex && body[index] != scalar {
        if body[index] == "\\" && index + 1 < body.endIndex {
          index += 1
          switch body[index] {
          case "n": literal += "\n"
          case "t": literal += "\t"
          case "r": literal += "\r"
          default: literal.unicodeScalars.append(body[index])
          }
        } else {
          literal.unicodeScalars.append(body[index])
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
    if !scalar.properties.isWhitespace { code.unicodeScalars.append(scalar) }
  }
  flushCode()
}
