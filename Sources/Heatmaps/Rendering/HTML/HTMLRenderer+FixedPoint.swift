extension HTMLRenderer {
  /// The values of a large figure as 16-bit fixed point, for the page's
  /// tooltip and head view: each finite value v becomes n = v · 10^decimals
  /// rounded to the nearest integer (half to even), stored as `n - offset`;
  /// `missing` marks NaN and infinities.
  ///
  /// The rounding is decided here, exactly, so that the page only has to
  /// divide by 10^decimals and call `toFixed(decimals)` to show the text
  /// `printf("%.{decimals}f")` gives for the float.
  struct FixedPointValues {
    /// The code of a NaN or infinite value.
    static let missing: UInt16 = 0xFFFF
    /// The largest |n|: two such ranges, offset, fit below `missing`.
    static let largestMagnitude = 32767
    /// Decimals beyond these would show tiny or huge values as long runs of
    /// zeros; they cover every float32 from about 3e-36 up.
    static let decimalsRange = -40...40

    /// Digits after the decimal point; negative for values too large for
    /// 16 bits, which are then rounded to a multiple of 10^-decimals.
    let decimals: Int
    /// The smallest n, added back to every code.
    let offset: Int
    /// `n - offset` per value, or `missing`: `[count]`.
    let codes: [UInt16]

    /// - Parameter values: `[count]`, any float32, NaN and infinities included.
    init(_ values: UnsafeBufferPointer<Float>) {
      var smallest = Float.infinity
      var largest = -Float.infinity
      for value in values where value.isFinite {
        smallest = min(smallest, value)
        largest = max(largest, value)
      }
      guard smallest.isFinite else {
        (decimals, offset, codes) = (0, 0, [UInt16](repeating: Self.missing, count: values.count))
        return
      }
      let scaling = DecimalScaling(
        decimals: Self.decimals(forLargest: max(smallest.magnitude, largest.magnitude)))
      decimals = scaling.decimals
      // Rounding keeps the order, so the smallest value gives the smallest n.
      let offset = scaling.rounded(smallest)
      self.offset = offset
      codes = values.map { value in value.isFinite ? UInt16(scaling.rounded(value) - offset) : Self.missing }
    }

    /// The most decimals with which `largest` still rounds to at most
    /// `largestMagnitude`; 0 when every value is zero.
    static func decimals(forLargest largest: Float) -> Int {
      guard largest > 0 else { return 0 }
      let fits = { (decimals: Int) in
        DecimalScaling(decimals: decimals).rounded(largest) <= largestMagnitude
      }
      var decimals = 0
      while decimals > decimalsRange.lowerBound && !fits(decimals) { decimals -= 1 }
      while decimals < decimalsRange.upperBound && fits(decimals + 1) { decimals += 1 }
      return decimals
    }

    /// `value · 10^decimals` rounded to the nearest integer, ties to even, as
    /// `printf("%.{decimals}f")` rounds the exact binary value.
    static func scaledAndRounded(_ value: Float, decimals: Int) -> Int {
      DecimalScaling(decimals: decimals).rounded(value)
    }
  }
}

/// Multiplication of float32 values by 10^decimals with exact rounding. A
/// float32 is m · 2^e with m < 2^24, so the product is m · 5^d · 2^(e + d),
/// or m · 2^(e + d) / 5^-d for negative d: exact in Float64 for 0 ≤ d ≤ 12,
/// and otherwise done in integers, where with |d| ≤ 40 every step fits
/// 128 bits.
private struct DecimalScaling {
  let decimals: Int
  /// 5^decimals, or 1.
  private let numeratorFactor: UInt128
  /// 5^-decimals, or 1.
  private let denominatorFactor: UInt128
  /// 10^decimals when every product is exact in Float64: m · 5^d < 2^53
  /// for d ≤ 12, so Float64's round-half-even is already exact.
  private let exactFloat64Factor: Double?

  init(decimals: Int) {
    precondition(HTMLRenderer.FixedPointValues.decimalsRange.contains(decimals))
    self.decimals = decimals
    numeratorFactor = Self.powerOfFive(max(decimals, 0))
    denominatorFactor = Self.powerOfFive(max(-decimals, 0))
    exactFloat64Factor = (0...12).contains(decimals) ? Double(Self.powerOfFive(decimals) << decimals) : nil
  }

  /// `value · 10^decimals` rounded to the nearest integer, ties to even;
  /// results beyond ±2^62 saturate there.
  func rounded(_ value: Float) -> Int {
    precondition(value.isFinite)
    if let exactFloat64Factor {
      let product = (Double(value) * exactFloat64Factor).rounded(.toNearestOrEven)
      return product.magnitude < 0x1p62 ? Int(product) : (value < 0 ? -(1 << 62) : 1 << 62)
    }
    let magnitude = value.magnitude
    if magnitude == 0 { return 0 }
    let significand = UInt128(magnitude.significandBitPattern) | (magnitude.isNormal ? 1 << 23 : 0)
    let exponent = magnitude.isNormal ? Int(magnitude.exponentBitPattern) - 150 : -149
    // Below 2^24 · 5^40 < 2^117.
    var numerator = significand * numeratorFactor
    let shift = exponent + decimals
    let result: UInt128
    if shift >= 0 {
      guard numerator.leadingZeroBitCount > shift + 2 else { return value < 0 ? -(1 << 62) : 1 << 62 }
      numerator <<= shift
      result = Self.roundedQuotient(numerator, denominatorFactor)
    } else if denominatorFactor == 1 {
      // A power-of-two divisor: the bits shifted out decide the rounding.
      let bits = -shift
      guard bits <= 117 else { return 0 }  // under 2^117 / 2^118, below one half
      let quotient = numerator >> bits
      let remainder = numerator & ((1 << bits) - 1)
      let half: UInt128 = 1 << (bits - 1)
      result = remainder > half || (remainder == half && quotient & 1 == 1) ? quotient + 1 : quotient
    } else {
      let bits = -shift
      // A divisor of 2^126 or more leaves less than one half.
      guard bits + (128 - denominatorFactor.leadingZeroBitCount) <= 126 else { return 0 }
      result = Self.roundedQuotient(numerator, denominatorFactor << bits)
    }
    let clamped = result >= 1 << 62 ? 1 << 62 : Int(result)
    return value < 0 ? -clamped : clamped
  }

  private static func roundedQuotient(_ numerator: UInt128, _ denominator: UInt128) -> UInt128 {
    let (quotient, remainder) = numerator.quotientAndRemainder(dividingBy: denominator)
    let twice = remainder << 1
    return twice > denominator || (twice == denominator && quotient & 1 == 1) ? quotient + 1 : quotient
  }

  private static func powerOfFive(_ exponent: Int) -> UInt128 {
    var power: UInt128 = 1
    for _ in 0..<exponent { power *= 5 }
    return power
  }
}
