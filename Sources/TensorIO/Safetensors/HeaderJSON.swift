/// A JSON value from a safetensors header, as parsed by `HeaderJSONParser`.
///
/// Objects keep their members in order and with duplicates, so that the
/// header validation can reject a tensor named twice (a dictionary would
/// silently keep one of them). Numbers keep their text; the header only
/// needs whole numbers, which `integer` extracts with overflow checks.
indirect enum HeaderJSON {
  case object([(key: String, value: HeaderJSON)])
  case array([HeaderJSON])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  /// A short name of the value's kind, for error messages.
  var kind: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number: return "a number"
    case .bool: return "a boolean"
    case .null: return "null"
    }
  }

  /// The value as a non-negative whole number, or nil if it is anything else
  /// (a fraction, an exponent, a minus sign, or more than `Int.max`).
  var nonNegativeInteger: Int? {
    guard case .number(let text) = self, !text.isEmpty else { return nil }
    var value = 0
    for byte in text.utf8 {
      guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
      let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      guard !overflow1 && !overflow2 else { return nil }
      value = sum
    }
    return value
  }
}
