import Testing

@testable import TransformerModels

/// Rules 1 to 4: cleaning, CJK spacing, accent stripping, lower-casing.
///
/// The expected scalars agree with `normalize_str` of the fast tokenizer
/// (tokenizers 0.23.3) for all-MiniLM-L6-v2.
@Suite struct TokenizerNormalizationTests {
  @Test func cleaningDropsNulReplacementAndControls() {
    #expect(normalized("a\u{0}b\u{FFFD}c") == scalars("abc"))
    #expect(normalized("a\u{7}b\u{1B}c\u{7F}d\u{85}e\u{9F}f") == scalars("abcdef"))
    // Vertical tab and form feed are controls before they are whitespace.
    #expect(normalized("a\u{B}b\u{C}c") == scalars("abc"))
  }

  @Test func cleaningDropsFormatAndPrivateUseScalars() {
    #expect(normalized("a\u{200B}b\u{200D}c\u{FEFF}d\u{AD}e\u{2060}f\u{E0001}g") == scalars("abcdefg"))
    #expect(normalized("a\u{E000}b\u{F0000}c\u{10FFFD}d") == scalars("abcd"))
  }

  @Test func cleaningKeepsUnassignedScalars() {
    #expect(normalized("a\u{378}b") == scalars("a\u{378}b"))
    // Assigned in Unicode 10 as a format character; unknown to 8.0 tables.
    #expect(normalized("a\u{8E2}b") == scalars("a\u{8E2}b"))
  }

  @Test func everyWhitespaceBecomesASpace() {
    let text = "a\tb\nc\rd\u{A0}e\u{3000}f\u{2028}g\u{2029}h\u{1680}i\u{2003}j\u{202F}k"
    #expect(normalized(text) == scalars("a b c d e f g h i j k"))
  }

  @Test func cjkIdeographsAreSpacedApart() {
    #expect(normalized("ab中cd") == scalars("ab 中 cd"))
    #expect(normalized("東京") == scalars(" 東  京 "))
    var options = TokenizerOptions()
    options.splitsCJKIdeographs = false
    #expect(normalized("ab中cd", options) == scalars("ab中cd"))
  }

  @Test func cjkRangesAreBERTs() {
    let inside: [UInt32] = [
      0x4E00, 0x9FFF, 0x3400, 0x4DBF, 0x20000, 0x2A6DF, 0x2A700, 0x2B73F, 0x2B740, 0x2B81F,
      0x2B820, 0x2CEAF, 0xF900, 0xFAFF, 0x2F800, 0x2FA1F,
    ]
    let outside: [UInt32] = [
      0x33FF, 0x4DC0, 0x4DFF, 0xA000, 0x2A6E0, 0x2CEB0, 0x30000, 0x3041, 0x30A2, 0xAC00, 0xF8FF, 0xFB00,
      0x2F7FF, 0x2FA20, 0x3000, 0xFF01,
    ]
    for value in inside {
      #expect(Unicode.Scalar(value)!.isCJKIdeograph, "U+\(String(value, radix: 16))")
    }
    for value in outside {
      #expect(!Unicode.Scalar(value)!.isCJKIdeograph, "U+\(String(value, radix: 16))")
    }
  }

  @Test func compatibilityIdeographDecomposesAfterSpacing() {
    // U+F900 is spaced as an ideograph, then NFD maps it to U+8C48.
    #expect(normalized("a\u{F900}b") == scalars("a \u{8C48} b"))
  }

  @Test func accentsAreStrippedAfterDecomposition() {
    #expect(normalized("Café") == scalars("cafe"))
    #expect(normalized("Cafe\u{301}") == scalars("cafe"))
    #expect(normalized("Ångström naïve résumé") == scalars("angstrom naive resume"))
    #expect(normalized("\u{212B}") == scalars("a"))  // ANGSTROM SIGN
    #expect(normalized("Tiếng Việt") == scalars("tieng viet"))
  }

  @Test func onlyNonspacingMarksAreStripped() {
    // Virama (Mn) goes; the vowel sign aa (Mc) and an enclosing circle (Me) stay.
    #expect(normalized("क्ष") == scalars("कष"))
    #expect(normalized("का") == scalars("का"))
    #expect(normalized("a\u{20DD}") == scalars("a\u{20DD}"))
    // A nonspacing mark from Unicode 10 is not one to 8.0 tables.
    #expect(normalized("g\u{1DF9}h") == scalars("g\u{1DF9}h"))
  }

  @Test func strippingFollowsLowercasingUnlessSet() {
    #expect(normalized("Café", casedOptions) == scalars("Café"))
    var stripOnly = casedOptions
    stripOnly.stripsAccents = true
    #expect(normalized("Café", stripOnly) == scalars("Cafe"))
    var lowerOnly = TokenizerOptions()
    lowerOnly.stripsAccents = false
    // Without stripping there is no decomposition: é stays one scalar.
    #expect(normalized("CAFÉ", lowerOnly) == scalars("caf\u{E9}"))
  }

  @Test func lowercasingMatchesTheFastTokenizer() {
    // Capital I with dot: i + combining dot, whose dot stripping removes.
    var lowerOnly = TokenizerOptions()
    lowerOnly.stripsAccents = false
    #expect(normalized("İ", lowerOnly) == scalars("i\u{307}"))
    #expect(normalized("İstanbul") == scalars("istanbul"))
    #expect(normalized("I") == scalars("i"))
    // No final sigma, as in the fast tokenizer; Python's str.lower gives ς.
    #expect(normalized("ΟΔΟΣ") == scalars("οδοσ"))
    #expect(normalized("ẞ ǅ \u{212A} Ω") == scalars("ß ǆ k ω"))
    #expect(normalized("ＡＢＣ") == scalars("ａｂｃ"))
  }
}
