/// Which characters of a JSON string are written as escapes beyond the
/// quote, the backslash and the control characters that JSON requires.
package enum JSONStringEscaping: Sendable {
  /// Only what JSON requires; everything else, non-ASCII included, as it is.
  case minimal
  /// Also DEL (U+007F) and everything above, as `\uXXXX` (UTF-16, so a pair
  /// of escapes beyond U+FFFF), for text that must stay printable ASCII,
  /// such as an HTTP header.
  case asciiOnly
  /// Also DEL, `<`, `>`, `&`, U+2028 and U+2029, for JSON inside an HTML
  /// `<script>`: no `</script>` or `<!--` can end or bend the element, and
  /// old JavaScript parsers' line terminators stay escaped.
  case inScript
}

/// Appends `text` to `json` as a quoted JSON string (RFC 8259): quote,
/// backslash and control characters escaped, and what `escaping` adds.
package func appendJSONString(
  _ text: String, to json: inout String, escaping: JSONStringEscaping = .minimal
) {
  json += "\""
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\"": json += "\\\""
    case "\\": json += "\\\\"
    case "\n": json += "\\n"
    case "\r": json += "\\r"
    case "\t": json += "\\t"
    case _ where scalar.value < 0x20 || needsEscape(scalar, escaping):
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

@inline(__always)
private func needsEscape(_ scalar: Unicode.Scalar, _ escaping: JSONStringEscaping) -> Bool {
  switch escaping {
  case .minimal: return false
  case .asciiOnly: return scalar.value >= 0x7F
  case .inScript:
    return scalar.value == 0x7F || scalar == "<" || scalar == ">" || scalar == "&"
      || scalar == "\u{2028}" || scalar == "\u{2029}"
  }
}
