import Foundation

/// A WordPiece vocabulary: tokens and their ids, looked up by exact bytes.
///
/// Swift compares strings by canonical equivalence, so a decomposed Hangul
/// syllable would equal its precomposed form in a `[String: Int]`; the
/// reference tokenizers compare code points, and so does this lookup.
struct Vocabulary: Sendable {
  /// The tokens in id order; a token listed twice appears twice.
  let tokens: [String]
  private let ids: [ExactText: Int]
  /// The most scalars of any token, which bounds a word-start match.
  let longestToken: Int
  /// The most scalars after `##` of any continuation token.
  let longestContinuation: Int

  /// Creates a vocabulary whose ids are the positions in `tokens`; a token
  /// listed twice takes its last id, as a Python dictionary built line by
  /// line would.
  init(tokens: [String]) {
    self.tokens = tokens
    var ids: [ExactText: Int] = [:]
    ids.reserveCapacity(tokens.count)
    var longestToken = 0
    var longestContinuation = 0
    for (id, token) in tokens.enumerated() {
      ids[ExactText(token)] = id
      let length = token.unicodeScalars.count
      longestToken = max(longestToken, length)
      if token.utf8.starts(with: "##".utf8) {
        longestContinuation = max(longestContinuation, length - 2)
      }
    }
    self.ids = ids
    self.longestToken = longestToken
    self.longestContinuation = longestContinuation
  }

  /// Reads `vocab.txt`: one token per line, the id of a token is its line
  /// number from 0. Lines end at `\n`, `\r\n` or `\r`, as Python's text mode
  /// reads them.
  ///
  /// - Parameter path: the file; errors name it as given.
  init(contentsOf path: String) throws(TokenizerError) {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw TokenizerError(path: path, reason: "cannot read (\(error.localizedDescription))")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw TokenizerError(path: path, reason: "not UTF-8 text")
    }
    var tokens: [String] = []
    var line = ""
    var afterCarriageReturn = false
    for scalar in text.unicodeScalars {
      if scalar == "\n" && afterCarriageReturn {
        afterCarriageReturn = false
        continue
      }
      afterCarriageReturn = scalar == "\r"
      if scalar == "\n" || scalar == "\r" {
        tokens.append(line)
        line = ""
      } else {
        line.unicodeScalars.append(scalar)
      }
    }
    if !line.isEmpty { tokens.append(line) }
    guard !tokens.isEmpty else {
      throw TokenizerError(path: path, reason: "empty vocabulary")
    }
    self.init(tokens: tokens)
  }

  /// The number of ids.
  var count: Int { tokens.count }

  /// The id of `token`, compared scalar for scalar.
  func id(of token: String) -> Int? {
    ids[ExactText(token)]
  }

  /// The id of the piece `scalars`, written after `##` when it continues a word.
  func id(of scalars: ArraySlice<Unicode.Scalar>, continuing: Bool) -> Int? {
    var piece = continuing ? "##" : ""
    piece.unicodeScalars.append(contentsOf: scalars)
    return ids[ExactText(piece)]
  }
}

/// A string that equals another only when their UTF-8 bytes are the same.
private struct ExactText: Hashable, Sendable {
  var text: String

  init(_ text: String) {
    self.text = text
  }

  static func == (lhs: ExactText, rhs: ExactText) -> Bool {
    lhs.text.utf8.elementsEqual(rhs.text.utf8)
  }

  func hash(into hasher: inout Hasher) {
    let hashed: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
      hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
    }
    if hashed == nil {
      for byte in text.utf8 { hasher.combine(byte) }
    }
    hasher.combine(text.utf8.count)
  }
}
