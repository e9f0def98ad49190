/// Appends `text` to `json` as a quoted JSON string (RFC 8259): quote,
/// backslash and control characters escaped, everything else written as it
/// is, non-ASCII included.
public func appendJSONString(_ text: String, to json: inout String) {
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
