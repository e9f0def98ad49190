import Foundation
import Testing

@testable import TensorIO

@Suite struct JSONStringTests {
  /// Quotes, backslashes, controls, DEL, accents, CJK and a character beyond
  /// U+FFFF, which JSON writes as a surrogate pair.
  static let texts = [
    "plain", "say \"hi\"", "back\\slash", "tab\tnew\nline\rreturn", "\u{0}\u{1}\u{1F}", "del\u{7F}",
    "café", "注意力", "🙂 smile", "",
  ]

  @Test(arguments: [false, true])
  func readsBackAsTheSameText(asciiOnly: Bool) throws {
    for text in Self.texts {
      var json = ""
      appendJSONString(text, to: &json, asciiOnly: asciiOnly)
      let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
      #expect(parsed == text, "\(json)")
      // No control character ever travels raw.
      #expect(!json.unicodeScalars.contains { $0.value < 0x20 }, "\(json)")
      if asciiOnly {
        #expect(json.unicodeScalars.allSatisfy { (0x20..<0x7F).contains($0.value) }, "\(json)")
      }
    }
  }

  @Test func writesNonASCIIAsItIsUnlessAskedNotTo() {
    var plain = ""
    appendJSONString("é🙂\u{7F}", to: &plain)
    #expect(plain == "\"é🙂\u{7F}\"")
    var ascii = ""
    appendJSONString("é🙂\u{7F}", to: &ascii, asciiOnly: true)
    #expect(ascii == #""\u00e9\ud83d\ude42\u007f""#)
  }
}
