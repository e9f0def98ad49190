import Hummingbird

/// How `POST /api/attention` answers: a JSON object of the tokens and the
/// attentions, or the attentions alone as a .npy file (float32
/// `[layers, heads, L, L]`) with the tokens in the `Attention-Tokens` header.
enum AttentionFormat {
  case json
  case npy

  static let npyMediaType = "application/x-npy"

  /// `?format=json` or `?format=npy` if the query has it; otherwise npy when the
  /// `Accept` header prefers `application/x-npy` to `application/json`, JSON
  /// in every other case (no `Accept`, `*/*`, a tie, types we do not make).
  init(request: Request) throws {
    if let name = request.uri.queryParameters.get("format") {
      switch name {
      case "json": self = .json
      case "npy": self = .npy
      default: throw ServeError(status: .badRequest, "format \"\(name)\": must be \"json\" or \"npy\"")
      }
      return
    }
    let accept = request.headers[values: .accept].joined(separator: ",")
    let ranges = accept.split(separator: ",").compactMap(MediaRange.init)
    let npy = MediaRange.quality(of: Self.npyMediaType, in: ranges)
    let json = MediaRange.quality(of: "application/json", in: ranges)
    self = npy > json ? .npy : .json
  }
}

/// One entry of an `Accept` header: `type/subtype;q=0.5`.
private struct MediaRange {
  let type: Substring
  let subtype: Substring
  let quality: Double

  init?(_ text: Substring) {
    let parts = text.split(separator: ";").map { $0.trimmingWhitespace().lowercased()[...] }
    guard let name = parts.first, let slash = name.firstIndex(of: "/") else { return nil }
    type = name[..<slash]
    subtype = name[name.index(after: slash)...]
    var quality = 1.0
    for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
      guard let value = Double(parameter.dropFirst(2)), (0...1).contains(value) else { return nil }
      quality = value
    }
    self.quality = quality
  }

  /// The quality the most specific range matching `mediaType` gives it; 0 if none matches.
  static func quality(of mediaType: String, in ranges: [MediaRange]) -> Double {
    let name = mediaType.split(separator: "/")
    var best: (specificity: Int, quality: Double) = (0, 0)
    for range in ranges {
      let specificity: Int
      if range.type == name[0] && range.subtype == name[1] {
        specificity = 3
      } else if range.type == name[0] && range.subtype == "*" {
        specificity = 2
      } else if range.type == "*" && range.subtype == "*" {
        specificity = 1
      } else {
        continue
      }
      if specificity > best.specificity { best = (specificity, range.quality) }
    }
    return best.quality
  }
}

extension Substring {
  fileprivate func trimmingWhitespace() -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = lastIndex(where: { !isSpace($0) })!
    return self[first...last]
  }
}
