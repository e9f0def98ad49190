// The character classes of BERT's text cleaning and pre-tokenization.
//
// Hugging Face's fast tokenizer (the `tokenizers` library, which
// `AutoTokenizer` loads) decides control characters, punctuation and
// nonspacing marks with general-category tables from Unicode 8.0, while its
// whitespace test and lower-casing follow the Rust standard library's current
// Unicode data. Swift knows a later Unicode, so categories are read only for
// scalars assigned by 8.0; anything newer counts as unassigned, the way the
// tables see it. Scalars assigned by Unicode 8.0 (2015) are unaffected.

extension Unicode.Scalar {
  /// The general category as a Unicode 8.0 table gives it; `nil` for a scalar
  /// unassigned in 8.0.
  var bertGeneralCategory: Unicode.GeneralCategory? {
    let properties = self.properties
    guard let age = properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else {
      return nil
    }
    return properties.generalCategory
  }

  /// Removed by text cleaning: control (Cc), format (Cf), private-use and
  /// surrogate scalars, except tab, line feed and carriage return, which are
  /// whitespace.
  var isBertControl: Bool {
    if value < 0x80 {
      return (value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D) || value == 0x7F
    }
    switch bertGeneralCategory {
    case .control, .format, .privateUse, .surrogate: return true
    default: return false
    }
  }

  /// Becomes a space in text cleaning and separates words: Unicode's
  /// White_Space property (tab, line feed, space, the Zs spaces, line and
  /// paragraph separators). Python's `str.split`, which the reference
  /// tokenizer uses, splits on the same set once controls are gone.
  var isBertWhitespace: Bool {
    if value < 0x80 {
      return value == 0x20 || (0x09...0x0D).contains(value)
    }
    return properties.isWhitespace
  }

  /// A word of its own: ASCII 33–47, 58–64, 91–96 and 123–126 (which
  /// includes symbols such as `$`, `+` and `^`), and every Unicode
  /// punctuation scalar (P*).
  var isBertPunctuation: Bool {
    if value < 0x80 {
      return (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
        || (123...126).contains(value)
    }
    switch bertGeneralCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default:
      return false
    }
  }

  /// Dropped when accents are stripped, after canonical decomposition (Mn).
  var isBertNonspacingMark: Bool {
    value >= 0x300 && bertGeneralCategory == .nonspacingMark
  }

  /// Spaced apart from its neighbours: the CJK Unified Ideographs block, its
  /// extensions A to E, and the two compatibility-ideograph blocks. These are
  /// the ranges of Google's original BERT, which Hugging Face keeps; later
  /// extensions (F onwards) are not among them.
  var isCJKIdeograph: Bool {
    switch value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
      0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default:
      return false
    }
  }
}
