/// Appends `text` to `json` as a quoted JSON string (RFC 8259): quote,
/// backslash and control characters escaped, everything else written as it
/// is, non-ASCII included, or with `asciiOnly` written `\uXXXX` from DEL
/// (U+007F) up (UTF-16, so a pair of escapes beyond U+FFFF), for text that
/// must stay printable ASCII, such as an HTTP header.
public func appendJSONString(_ text: String, to json: inout String, asciiOnly: Bool = false) {
  json += "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": json += "\\\""
    case "\\": json += "\\\\"
    case "\n": json += "\\n"
    case "\r": json += "\\r"
    case "\t": json += "\\t"
    case _ where scalar.value < 0x20 || (asciiOnly && scalar.value >= 0x7F):
      for unit in String(scalar).utf16 {
        let hex = String(unit, radix: 16)
        json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      }
    default:
      json.unicodeScalars.append(scalar)
    }
  }
  json += "\""
}
