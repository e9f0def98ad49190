/// Text for HTML and SVG element content and attribute values (quoted with
/// `"` or `'`): `&`, `<`, `>`, `"` and `'` become character references and
/// everything else stays as it is, so no label can end an element, open a
/// comment or close an attribute.
func htmlEscaped(_ text: String) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for character in text {
    switch character {
    case "&": result += "&amp;"
    case "<": result += "&lt;"
    case ">": result += "&gt;"
    case "\"": result += "&quot;"
    case "'": result += "&#39;"
    default: result.append(character)
    }
  }
  return result
}
