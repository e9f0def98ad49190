import TensorIO

extension Encoding {
  /// The encoding as one line of JSON, `{"tokens":[..],"ids":[..],"type_ids":[..]}`.
  ///
  /// Tokens are escaped as JSON requires (quote, backslash, controls) and
  /// otherwise written as they are, non-ASCII included, in UTF-8.
  public var json: String {
    var line = "{\"tokens\":["
    for (index, token) in tokens.enumerated() {
      if index > 0 { line += "," }
      appendJSONString(token, to: &line)
    }
    line += "],\"ids\":[" + ids.map(String.init).joined(separator: ",")
    line += "],\"type_ids\":[" + typeIds.map(String.init).joined(separator: ",") + "]}"
    return line
  }
}
