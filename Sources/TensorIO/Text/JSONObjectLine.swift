import Foundation

/// A value of a flat JSON object written on one line, such as a benchmark's
/// summary.
package enum JSONValue: Sendable, Equatable {
  case integer(Int)
  /// Written with six significant digits; `null` when not finite.
  case number(Double)
  case string(String)
  case bool(Bool)
  case integers([Int])
}

/// `fields` as one JSON object on one line, in the given order, strings
/// escaped by `appendJSONString`: `{"bench": "sdpa", "median_ms": 1.25}`.
package func jsonObjectLine(_ fields: [(name: String, value: JSONValue)]) -> String {
  var json = "{"
  for (index, field) in fields.enumerated() {
    if index > 0 { json += ", " }
    appendJSONString(field.name, to: &json)
    json += ": "
    switch field.value {
    case .integer(let value): json += String(value)
    case .number(let value): json += value.isFinite ? String(format: "%.6g", value) : "null"
    case .string(let value): appendJSONString(value, to: &json)
    case .bool(let value): json += value ? "true" : "false"
    case .integers(let values): json += "[" + values.map(String.init).joined(separator: ", ") + "]"
    }
  }
  return json + "}"
}
