/// The shortest decimal text that reads back as the same `Float`, written
/// straight into a byte buffer.
///
/// The digits are those of `Float.description` (the fewest that round-trip,
/// and of those the nearest to the value); the layout is whichever of plain
/// (`0.00123`) or exponent (`1.23e-5`) form is shorter, both valid JSON
/// numbers. Non-finite values are written `NaN`, `Infinity` and `-Infinity`,
/// as Python's `json` module does.
///
/// Values from 2⁻⁶⁴ (about 5.4e-20) up to 2²⁵, which hold all but the
/// vanishing attention weights, take a fast path: the value and the ends of
/// the interval that reads back as it are scaled to decimal integers exactly,
/// a 64-bit power of five times the significand in 128-bit arithmetic, and
/// digits are dropped while the interval still holds a shorter number (the
/// digit-removal loop of Ulf Adams' Ryū, run on exact quotients instead of
/// table approximations). Other values take their digits from
/// `Float.description`.
package enum ShortestDecimal {
  /// The most bytes `write(_:to:)` writes: `-1.17549435e-38`.
  package static let maximumLength = 15

  /// Writes `value` at `output`, which must have room for `maximumLength` bytes.
  ///
  /// - Returns: the number of bytes written.
  package static func write(_ value: Float, to output: UnsafeMutablePointer<UInt8>) -> Int {
    let bits = value.bitPattern
    let exponentBits = Int((bits >> 23) & 0xFF)
    let mantissaBits = bits & 0x7F_FFFF
    if exponentBits == 0xFF {
      let word: StaticString = mantissaBits != 0 ? "NaN" : value < 0 ? "-Infinity" : "Infinity"
      return copy(word, to: output)
    }
    var length = 0
    if bits >> 31 != 0 {
      output[0] = UInt8(ascii: "-")
      length = 1
    }
    if exponentBits == 0 && mantissaBits == 0 {
      output[length] = UInt8(ascii: "0")
      return length + 1
    }
    let (digits, exponent) =
      exactDecimal(exponentBits: exponentBits, mantissaBits: mantissaBits)
      ?? describedDecimal(value.magnitude)
    return length + layOut(digits: digits, exponent: exponent, to: output + length)
  }

  /// The text `write(_:to:)` writes for `value`.
  package static func string(_ value: Float) -> String {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLength) { buffer in
      let length = write(value, to: buffer.baseAddress!)
      return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
    }
  }

  /// 5⁰ … 5²⁷, the powers of five below 2⁶⁴.
  private static let powersOfFive: [UInt64] = [
    0x1, 0x5, 0x19, 0x7d,
    0x271, 0xc35, 0x3d09, 0x1312d,
    0x5f5e1, 0x1dcd65, 0x9502f9, 0x2e90edd,
    0xe8d4a51, 0x48c2_7395, 0x1_6bcc_41e9, 0x7_1afd_498d,
    0x23_86f2_6fc1, 0xb1_a2bc_2ec5, 0x378_2dac_e9d9, 0x1158_e460_913d,
    0x56bc_75e2_d631, 0x1_b1ae_4d6e_2ef5, 0x8_7867_8326_eac9, 0x2a_5a05_8fc2_95ed,
    0xd3_c21b_cecc_eda1, 0x422_ca8b_0a00_a425, 0x14ad_f4b7_3203_34b9, 0x6765_c793_fa10_079d,
  ]

  /// The shortest digits of a positive finite value in [2⁻⁶⁴, 2²⁵), as
  /// `digits · 10^exponent`; nil outside that range.
  private static func exactDecimal(exponentBits: Int, mantissaBits: UInt32) -> (UInt64, Int)? {
    // Subnormal values have no hidden bit; all are far below the fast range.
    guard exponentBits != 0 else { return nil }
    let significand = UInt64(mantissaBits) | 1 << 23
    // The value is mv · 2^binaryExponent; mm and mp are the halfway points to
    // the neighbouring floats, the ends of the interval that reads back as it.
    // Below a power of two the neighbour is twice as close.
    let binaryExponent = exponentBits - 150 - 2
    guard binaryExponent < 0 else { return nil }
    let mv = 4 * significand
    let mp = mv + 2
    let mm = mv - (mantissaBits == 0 && exponentBits > 1 ? 1 : 2)
    // Round half to even: an even significand keeps the interval's ends.
    let acceptsBounds = significand & 1 == 0

    // Scale by 10^-(binaryExponent + q) = 5^i / 2^q with q = ⌊-binaryExponent · log₁₀5⌋:
    // the interval then spans at least three units, so the shortest decimal
    // needs no finer unit than 10^decimalExponent.
    let q = (-binaryExponent * 732_923) >> 20
    let i = -binaryExponent - q
    guard i < powersOfFive.count else { return nil }
    let decimalExponent = binaryExponent + q
    let power = powersOfFive[i]
    let fraction = (UInt128(1) << q) - 1

    // The value carries one digit more, so that its first dropped digit and
    // whether anything nonzero follows that digit are exact.
    let scaledValue = UInt128(mv * 10) * UInt128(power)
    let scaledUpper = UInt128(mp) * UInt128(power)
    let scaledLower = UInt128(mm) * UInt128(power)
    var vr = UInt64(truncatingIfNeeded: scaledValue >> q)
    var lastRemovedDigit = vr % 10
    vr /= 10
    var vrIsTrailingZeros = scaledValue & fraction == 0
    var vp = UInt64(truncatingIfNeeded: scaledUpper >> q)
    if !acceptsBounds && scaledUpper & fraction == 0 { vp -= 1 }
    var vm = UInt64(truncatingIfNeeded: scaledLower >> q)
    var vmIsTrailingZeros = acceptsBounds && scaledLower & fraction == 0

    var removed = 0
    while vp / 10 > vm / 10 {
      vmIsTrailingZeros = vmIsTrailingZeros && vm % 10 == 0
      vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
      lastRemovedDigit = vr % 10
      vr /= 10
      vp /= 10
      vm /= 10
      removed += 1
    }
    if vmIsTrailingZeros {
      // The lower end is itself a shorter decimal and may be taken.
      while vm % 10 == 0 {
        vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
        lastRemovedDigit = vr % 10
        vr /= 10
        vp /= 10
        vm /= 10
        removed += 1
      }
    }
    if vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0 {
      // Exactly halfway between two candidates: keep the even one.
      lastRemovedDigit = 4
    }
    let outsideInterval = vr == vm && (!acceptsBounds || !vmIsTrailingZeros)
    let digits = vr + (outsideInterval || lastRemovedDigit >= 5 ? 1 : 0)
    return (digits, decimalExponent + removed)
  }

  /// The digits and exponent of `Float.description` for a positive finite `value`.
  @inline(never)
  private static func describedDecimal(_ value: Float) -> (UInt64, Int) {
    var digits: UInt64 = 0
    var exponent = 0
    var seenPoint = false
    var text = Substring(value.description).utf8[...]
    while let byte = text.first, byte != UInt8(ascii: "e") {
      text = text.dropFirst()
      if byte == UInt8(ascii: ".") {
        seenPoint = true
      } else {
        digits = digits * 10 + UInt64(byte - UInt8(ascii: "0"))
        if seenPoint { exponent -= 1 }
      }
    }
    if !text.isEmpty {
      exponent += Int(String(decoding: text.dropFirst(), as: UTF8.self))!
    }
    // The description writes "1.0" and "1e-05"; trailing zeros are not digits.
    while digits % 10 == 0 && digits != 0 {
      digits /= 10
      exponent += 1
    }
    return (digits, exponent)
  }

  /// Writes `digits · 10^exponent` in the shorter of plain and exponent form.
  private static func layOut(digits: UInt64, exponent: Int, to output: UnsafeMutablePointer<UInt8>) -> Int {
    let count = digitCount(digits)
    // Digits before the point in plain form; the exponent of the first digit.
    let pointPosition = count + exponent
    let scientificExponent = pointPosition - 1
    let exponentMagnitude = abs(scientificExponent)
    let exponentWidth = exponentMagnitude >= 10 ? 2 : 1
    let scientificLength =
      count + (count > 1 ? 1 : 0) + 1 + (scientificExponent < 0 ? 1 : 0) + exponentWidth
    let plainLength =
      exponent >= 0 ? count + exponent : pointPosition > 0 ? count + 1 : 2 - pointPosition + count

    var rest = digits
    if plainLength <= scientificLength {
      if exponent >= 0 {
        writeDigits(&rest, count: count, endingAt: output + count)
        for index in 0..<exponent { output[count + index] = UInt8(ascii: "0") }
      } else if pointPosition > 0 {
        writeDigits(&rest, count: count - pointPosition, endingAt: output + count + 1)
        output[pointPosition] = UInt8(ascii: ".")
        writeDigits(&rest, count: pointPosition, endingAt: output + pointPosition)
      } else {
        output[0] = UInt8(ascii: "0")
        output[1] = UInt8(ascii: ".")
        for index in 0 ..< -pointPosition { output[2 + index] = UInt8(ascii: "0") }
        writeDigits(&rest, count: count, endingAt: output + plainLength)
      }
      return plainLength
    }
    var end = output + (count > 1 ? count + 1 : 1)
    if count > 1 {
      writeDigits(&rest, count: count - 1, endingAt: end)
      output[1] = UInt8(ascii: ".")
    }
    writeDigits(&rest, count: 1, endingAt: output + 1)
    end[0] = UInt8(ascii: "e")
    end += 1
    if scientificExponent < 0 {
      end[0] = UInt8(ascii: "-")
      end += 1
    }
    var magnitude = UInt64(exponentMagnitude)
    writeDigits(&magnitude, count: exponentWidth, endingAt: end + exponentWidth)
    return scientificLength
  }

  /// Writes the last `count` decimal digits of `rest` just before `end` and drops them from `rest`.
  private static func writeDigits(_ rest: inout UInt64, count: Int, endingAt end: UnsafeMutablePointer<UInt8>)
  {
    var position = end
    var remaining = count
    while remaining >= 2 {
      let pair = Int(truncatingIfNeeded: rest % 100)
      rest /= 100
      position -= 2
      position.update(from: digitPairs.utf8Start + 2 * pair, count: 2)
      remaining -= 2
    }
    if remaining == 1 {
      position[-1] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
      rest /= 10
    }
  }

  /// The number of decimal digits of `value`, which has at most 20.
  private static func digitCount(_ value: UInt64) -> Int {
    if value < 100_000 {
      if value < 100 { return value < 10 ? 1 : 2 }
      return value < 1000 ? 3 : value < 10_000 ? 4 : 5
    }
    if value < 10_000_000_000 {
      if value < 10_000_000 { return value < 1_000_000 ? 6 : 7 }
      return value < 100_000_000 ? 8 : value < 1_000_000_000 ? 9 : 10
    }
    var count = 10
    var rest = value / 10_000_000_000
    while rest != 0 {
      count += 1
      rest /= 10
    }
    return count
  }

  /// "00", "01", … "99", for writing two digits at a time.
  private static var digitPairs: StaticString {
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
  }

  private static func copy(_ word: StaticString, to output: UnsafeMutablePointer<UInt8>) -> Int {
    output.update(from: word.utf8Start, count: word.utf8CodeUnitCount)
    return word.utf8CodeUnitCount
  }
}
