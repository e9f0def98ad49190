#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension RGB {
  /// The relative luminance of the colour as WCAG 2 defines it: the sRGB
  /// components linearised, then weighted 0.2126 R + 0.7152 G + 0.0722 B.
  ///
  /// 0 for black, 1 for white.
  public var relativeLuminance: Double {
    0.2126 * Self.linearized(red) + 0.7152 * Self.linearized(green) + 0.0722 * Self.linearized(blue)
  }

  /// The WCAG contrast ratio between this colour and `other`, from 1 (same
  /// luminance) to 21 (black on white); the order of the two doesn't matter.
  public func contrastRatio(to other: RGB) -> Double {
    let a = relativeLuminance
    let b = other.relativeLuminance
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
  }

  /// The one of `dark` and `light` that contrasts more with this colour, for
  /// text drawn on a cell of this colour; a tie goes to `dark`.
  ///
  /// - Parameters:
  ///   - dark: the text colour for light cells.
  ///   - light: the text colour for dark cells.
  public func legibleTextColor(dark: RGB = .black, light: RGB = .white) -> RGB {
    contrastRatio(to: light) > contrastRatio(to: dark) ? light : dark
  }

  /// The sRGB transfer function undone (IEC 61966-2-1), so that luminance is
  /// a weighted sum of light rather than of encoded values.
  private static func linearized(_ component: Double) -> Double {
    component <= 0.04045 ? component / 12.92 : pow((component + 0.055) / 1.055, 2.4)
  }
}
