import Foundation

/// BERT's text normalization: cleaning, CJK spacing, accent stripping and
/// lower-casing, in the order of Hugging Face's fast `BertNormalizer`.
///
/// The reference's slow Python tokenizer lower-cases before it strips
/// accents; the results agree except for a capital sigma that ends a word,
/// which Python's `str.lower` writes as final sigma `ς` and this normalizer,
/// like the fast tokenizer, as `σ`.
struct BertNormalizer: Sendable {
  var lowercases: Bool
  var stripsAccents: Bool
  var splitsCJKIdeographs: Bool

  init(options: TokenizerOptions) {
    lowercases = options.lowercases
    stripsAccents = options.stripsAccentsResolved
    splitsCJKIdeographs = options.splitsCJKIdeographs
  }

  /// The normalized scalars of `text`; every whitespace scalar in it is a space.
  func normalize(_ text: Substring.UnicodeScalarView) -> [Unicode.Scalar] {
    var scalars = clean(text)
    if stripsAccents {
      scalars = strippingAccents(scalars)
    }
    if lowercases {
      scalars = lowercased(scalars)
    }
    return scalars
  }

  /// Drops NUL, U+FFFD and control scalars, turns whitespace into spaces and,
  /// if asked, spaces CJK ideographs apart.
  func clean(_ text: Substring.UnicodeScalarView) -> [Unicode.Scalar] {
    var scalars: [Unicode.Scalar] = []
    scalars.reserveCapacity(text.underestimatedCount)
    for scalar in text {
      if scalar.value == 0 || scalar.value == 0xFFFD || scalar.isBertControl {
        continue
      }
      if scalar.isBertWhitespace {
        scalars.append(" ")
      } else if splitsCJKIdeographs && scalar.isCJKIdeograph {
        scalars.append(" ")
        scalars.append(scalar)
        scalars.append(" ")
      } else {
        scalars.append(scalar)
      }
    }
    return scalars
  }

  /// Canonical decomposition (NFD), then every nonspacing mark dropped.
  func strippingAccents(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    // ASCII is its own decomposition; most English text stops here.
    guard scalars.contains(where: { !$0.isASCII }) else { return scalars }
    var text = ""
    text.unicodeScalars.append(contentsOf: scalars)
    return text.decomposedStringWithCanonicalMapping.unicodeScalars.filter { !$0.isBertNonspacingMark }
  }

  /// Each scalar's full lower-case mapping (`İ` becomes `i̇`, two scalars),
  /// without context: no final sigma.
  func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
    var lowered: [Unicode.Scalar] = []
    lowered.reserveCapacity(scalars.count)
    for scalar in scalars {
      if scalar.isASCII {
        let value = scalar.value
        lowered.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
      } else {
        lowered.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
      }
    }
    return lowered
  }
}
