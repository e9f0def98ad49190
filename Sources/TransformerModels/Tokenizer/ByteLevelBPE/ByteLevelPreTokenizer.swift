/// The pre-tokenizer of a byte-level BPE: the steps that cut a text into the
/// pieces that BPE spells separately.
///
/// Each regex of the reference (GPT-2's, Llama 3's, Qwen2's) is matched by a
/// handwritten scanner over the text's scalars and their general category
/// (`Unicode.Scalar.Properties`), not by Swift `Regex`: in a release build,
/// SmolLM2's whole encoding of 8,000 tokens of English (split, merges,
/// ids) takes 5.6 ms, where `Regex` with GPT-2's pattern takes 14 ms for
/// the split alone. Each scanner follows its pattern's
/// alternatives in order, as a backtracking regex engine tries them, and is
/// checked against Hugging Face's `tokenizers` (Oniguruma) on the fixtures.
struct ByteLevelPreTokenizer: Sendable, Equatable {
  /// One step of the sequence; each cuts every piece the step before made.
  enum Step: Sendable, Equatable {
    /// `Digits`: each number scalar (`\p{N}`) its own piece when
    /// `individual`, else each run of them.
    case digits(individual: Bool)
    /// A `Split` regex, isolated: the matches and the text between them.
    case pattern(SplitPattern)
    /// `ByteLevel(add_prefix_space=true)`: a space before each piece that
    /// does not start with one.
    case prefixSpace
  }

  /// The regexes matched by a scanner.
  enum SplitPattern: String, Sendable, Equatable, CaseIterable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3
    /// Llama 3's pattern with `\p{N}` for `\p{N}{1,3}`.
    case qwen2

    /// The regex as a tokenizer.json spells it.
    var regex: String {
      switch self {
      case .gpt2:
        return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
      case .llama3:
        return
          #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
      case .qwen2:
        return
          #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
      }
    }
  }

  /// The steps, in order.
  var steps: [Step]

  /// The pre-tokenizer that GGUF's `tokenizer.ggml.pre` names, as llama.cpp
  /// reads it (`llama-vocab.cpp`), or `nil` for a name not supported here.
  ///
  /// The second value says whether a piece found whole in the vocabulary
  /// skips the merges (`ignore_merges`), as Llama 3's does.
  static func named(_ name: String) -> (ByteLevelPreTokenizer, ignoresMerges: Bool)? {
    switch name {
    case "smollm", "starcoder", "refact":
      return (ByteLevelPreTokenizer(steps: [.digits(individual: true), .pattern(.gpt2)]), false)
    case "gpt2":
      return (ByteLevelPreTokenizer(steps: [.pattern(.gpt2)]), false)
    case "llama-bpe", "llama3":
      return (ByteLevelPreTokenizer(steps: [.pattern(.llama3)]), true)
    case "qwen2":
      return (ByteLevelPreTokenizer(steps: [.pattern(.qwen2)]), false)
    default:
      return nil
    }
  }

  /// The names `named(_:)` knows.
  static let supportedNames = ["smollm", "starcoder", "refact", "gpt2", "llama-bpe", "llama3", "qwen2"]

  /// The pieces of `scalars`, each as a range of `buffer`: the scalars
  /// themselves, or a copy with prefix spaces added.
  func pieces(of scalars: [Unicode.Scalar]) -> (buffer: [Unicode.Scalar], pieces: [Range<Int>]) {
    var buffer = scalars
    var classes = buffer.map(ScalarClass.init)
    var pieces = buffer.isEmpty ? [] : [0..<buffer.count]
    for step in steps {
      var next: [Range<Int>] = []
      next.reserveCapacity(pieces.count * 2)
      switch step {
      case .digits(let individual):
        for piece in pieces {
          splitDigits(piece, classes: classes, individual: individual, into: &next)
        }
      case .pattern(let pattern):
        for piece in pieces {
          var start = piece.lowerBound
          while start < piece.upperBound {
            let end = matchEnd(pattern, buffer: buffer, classes: classes, at: start, limit: piece.upperBound)
            next.append(start..<end)
            start = end
          }
        }
      case .prefixSpace:
        var spaced: [Unicode.Scalar] = []
        spaced.reserveCapacity(buffer.count + pieces.count)
        for piece in pieces {
          let start = spaced.count
          if buffer[piece.lowerBound] != " " { spaced.append(" ") }
          spaced.append(contentsOf: buffer[piece])
          next.append(start..<spaced.count)
        }
        buffer = spaced
        classes = buffer.map(ScalarClass.init)
      }
      pieces = next
    }
    return (buffer, pieces)
  }

  private func splitDigits(
    _ piece: Range<Int>, classes: [ScalarClass], individual: Bool, into pieces: inout [Range<Int>]
  ) {
    var start = piece.lowerBound
    var index = piece.lowerBound
    while index < piece.upperBound {
      guard classes[index] == .number else {
        index += 1
        continue
      }
      if start < index { pieces.append(start..<index) }
      var end = index + 1
      if !individual {
        while end < piece.upperBound && classes[end] == .number { end += 1 }
      }
      pieces.append(index..<end)
      index = end
      start = end
    }
    if start < piece.upperBound { pieces.append(start..<piece.upperBound) }
  }

  /// Where the leftmost match of `pattern` at `start` ends; every pattern
  /// matches at least one scalar anywhere.
  private func matchEnd(
    _ pattern: SplitPattern, buffer: [Unicode.Scalar], classes: [ScalarClass], at start: Int, limit: Int
  ) -> Int {
    func run(of kind: ScalarClass, from index: Int) -> Int {
      var end = index
      while end < limit && classes[end] == kind { end += 1 }
      return end
    }
    func classAt(_ index: Int) -> ScalarClass? { index < limit ? classes[index] : nil }
    let scalar = buffer[start]
    let kind = classes[start]

    if scalar == "'",
      let length = contractionLength(buffer, at: start + 1, limit: limit, anyCase: pattern != .gpt2)
    {
      return start + 1 + length
    }
    switch pattern {
    case .gpt2:
      // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
      if scalar == " ", let next = classAt(start + 1), next != .whitespace {
        return run(of: next, from: start + 1)
      }
      if kind != .whitespace { return run(of: kind, from: start) }
    case .llama3, .qwen2:
      // `[^\r\n\p{L}\p{N}]?\p{L}+`
      if kind != .letter && kind != .number && scalar != "\r" && scalar != "\n", classAt(start + 1) == .letter
      {
        return run(of: .letter, from: start + 1)
      }
      if kind == .letter { return run(of: .letter, from: start) }
      // `\p{N}{1,3}` or `\p{N}`
      if kind == .number {
        return pattern == .llama3 ? min(run(of: .number, from: start), start + 3) : start + 1
      }
      // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
      var otherStart: Int?
      if scalar == " ", classAt(start + 1) == .other {
        otherStart = start + 1
      } else if kind == .other {
        otherStart = start
      }
      if let otherStart {
        var end = run(of: .other, from: otherStart)
        while end < limit && (buffer[end] == "\r" || buffer[end] == "\n") { end += 1 }
        return end
      }
      // `\s*[\r\n]+`: up to the last line break of the whitespace run.
      let runEnd = run(of: .whitespace, from: start)
      if let lastBreak = (start..<runEnd).last(where: { buffer[$0] == "\r" || buffer[$0] == "\n" }) {
        return lastBreak + 1
      }
    }
    // `\s+(?!\S)` then `\s+`: a whitespace run less its last scalar when
    // something follows, so that a space can join the next word.
    let runEnd = run(of: .whitespace, from: start)
    if runEnd == limit || runEnd - start == 1 { return runEnd }
    return runEnd - 1
  }

  /// The length of `s`, `t`, `re`, `ve`, `m`, `ll` or `d` at `index`, after
  /// an apostrophe; in either case for Llama 3 and Qwen2's `(?i:…)`.
  private func contractionLength(_ buffer: [Unicode.Scalar], at index: Int, limit: Int, anyCase: Bool) -> Int?
  {
    func letter(_ offset: Int) -> UInt32? {
      guard index + offset < limit else { return nil }
      var value = buffer[index + offset].value
      if anyCase && (0x41...0x5A).contains(value) { value += 0x20 }
      return value
    }
    switch letter(0) {
    case 0x73, 0x74, 0x6D, 0x64: return 1  // s t m d
    case 0x72, 0x76: return letter(1) == 0x65 ? 2 : nil  // re ve
    case 0x6C: return letter(1) == 0x6C ? 2 : nil  // ll
    default: return nil
    }
  }
}

/// The classes the patterns tell apart: `\p{L}`, `\p{N}`, `\s` and the rest.
enum ScalarClass: UInt8, Sendable {
  case letter, number, whitespace, other

  init(_ scalar: Unicode.Scalar) {
    if scalar.value < 128 {
      self = ScalarClass.ascii[Int(scalar.value)]
      return
    }
    if scalar.properties.isWhitespace {
      self = .whitespace
      return
    }
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
      self = .letter
    case .decimalNumber, .letterNumber, .otherNumber:
      self = .number
    default:
      self = .other
    }
  }

  private static let ascii: [ScalarClass] = (0..<128).map { value -> ScalarClass in
    switch value {
    case 0x09...0x0D, 0x20: return .whitespace
    case 0x30...0x39: return .number
    case 0x41...0x5A, 0x61...0x7A: return .letter
    default: return .other
    }
  }
}
