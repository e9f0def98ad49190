import Foundation
import Testing

@testable import TensorIO

@Suite struct JSONStringTests {
  /// Quotes, backslashes, controls, DEL, accents, CJK and a character beyond
  /// U+FFFF, which JSON writes as a surrogate pair.
  static let texts = [
    "plain", "say \"hi\"", "back\\slash", "tab\tnew\nline\rreturn", "\u{0}\u{1}\u{1F}", "del\u{7F}",
    "café", "注意力", "🙂 smile", "", "</script><script>alert(1)</script>", "<!-- a & b -->",
    "line\u{2028}separator\u{2029}",
  ]

  @Test(arguments: [JSONStringEscaping.minimal, .asciiOnly, .inScript])
  func readsBackAsTheSameText(escaping: JSONStringEscaping) throws {
    for text in Self.texts {
      var json = ""
      appendJSONString(text, to: &json, escaping: escaping)
      let parsed =
        try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
      #expect(parsed == text, "\(json)")
      // No control character ever travels raw.
      #expect(!json.unicodeScalars.contains { $0.value < 0x20 }, "\(json)")
      if escaping == .asciiOnly {
        #expect(json.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) }, "\(json)")
      }
      if escaping == .inScript {
        #expect(!json.contains("<") && !json.contains(">") && !json.contains("&"), "\(json)")
        #expect(!json.unicodeScalars.contains { [0x7F, 0x2028, 0x2029].contains($0.value) }, "\(json)")
      }
    }
  }

  @Test func writesNonASCIIAsItIsUnlessAskedNotTo() {
    var plain = ""
    appendJSONString("é🙂\u{7F}", to: &plain)
    #expect(plain == "\"é🙂\u{7F}\"")
    var ascii = ""
    appendJSONString("é🙂\u{7F}", to: &ascii, escaping: .asciiOnly)
    #expect(ascii == #""\u00e9\ud83d\ude42\u007f""#)
    var script = ""
    appendJSONString("</b>&é\u{2028}", to: &script, escaping: .inScript)
    #expect(script == #""\u003c/b\u003e\u0026é\u2028""#)
  }
}
