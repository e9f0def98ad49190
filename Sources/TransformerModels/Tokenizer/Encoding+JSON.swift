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

/// Appends `text` to `json` as a quoted JSON string.
private func appendJSONString(_ text: String, to json: inout String) {
  json += "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": json += "\\\""
    case "\\": json += "\\\\"
    case "\n": json += "\\n"
    case "\r": json += "\\r"
    case "\t": json += "\\t"
    case _ where scalar.value < 0x20:
      let hex = String(scalar.value, radix: 16)
      json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    default:
      json.unicodeScalars.append(scalar)
    }
  }
  json += "\""
}
