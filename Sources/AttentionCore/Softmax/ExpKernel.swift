/// `exp` for the non-positive arguments softmax produces after subtracting
/// the row maximum, written so that a plain loop over it vectorises.
///
/// libm's `expf` is an opaque call per element; this is straight-line float
/// and integer arithmetic with no traps and no branches (a select at most),
/// which the compiler turns into SIMD code at the baseline x86-64 target.
/// The method is Cephes' `expf`: x = n·ln2 + r with |r| <= ln2/2, e^r from a
/// degree-6 polynomial, 2^n built in the exponent bits. Error about 1 ulp.
enum ExpKernel {
  /// Below this e^x is under the smallest normal float; the result is 0.
  static let lowestArgument: Float = -87.33654

  // The constants are local lets, not stored properties, so the optimiser
  // sees literals inside the loop it vectorises.

  /// e^x for x <= 0 (and NaN for NaN).
  @inline(__always)
  static func nonPositive(_ x: Float) -> Float {
    let log2e: Float = 1.44269504088896341
    // ln 2 split so that n·ln2High is exact for |n| <= 127.
    let ln2High: Float = 0.693359375
    let ln2Low: Float = -2.12194440e-4
    // 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer,
    // which then sits in the low mantissa bits.
    let roundingShift: Float = 12_582_912
    let lowestArgument: Float = -87.33654
    let shifted = x * log2e + roundingShift
    let n = shifted - roundingShift  // round(x / ln 2)
    var r = x - n * ln2High
    r = r - n * ln2Low
    var p: Float = 1.9875691500E-4
    p = p * r + 1.3981999507E-3
    p = p * r + 8.3334519073E-3
    p = p * r + 4.1665795894E-2
    p = p * r + 1.6666665459E-1
    p = p * r + 5.0000001201E-1
    let expR = p * (r * r) + r + 1
    // 2^n: n's two's complement sits in the low bits of `shifted`.
    let exponentBits = (shifted.bitPattern &- roundingShift.bitPattern &+ 127) &<< 23
    let value = expR * Float(bitPattern: exponentBits)
    return x < lowestArgument ? 0 : value
  }
}
