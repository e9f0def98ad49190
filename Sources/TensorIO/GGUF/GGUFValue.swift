/// A metadata value of a GGUF file, of one of the format's thirteen types.
///
/// Arrays hold values of one type (the file states it once), possibly arrays
/// themselves; an empty array keeps no element type.
public enum GGUFValue: Sendable, Equatable {
  case uint8(UInt8)
  case int8(Int8)
  case uint16(UInt16)
  case int16(Int16)
  case uint32(UInt32)
  case int32(Int32)
  case uint64(UInt64)
  case int64(Int64)
  case float32(Float)
  case float64(Double)
  case bool(Bool)
  case string(String)
  case array([GGUFValue])

  /// The type's name as GGUF's specification spells it: `"uint32"`, `"float32"`, `"string"`, `"array"`.
  public var typeName: String {
    switch self {
    case .uint8: "uint8"
    case .int8: "int8"
    case .uint16: "uint16"
    case .int16: "int16"
    case .uint32: "uint32"
    case .int32: "int32"
    case .uint64: "uint64"
    case .int64: "int64"
    case .float32: "float32"
    case .float64: "float64"
    case .bool: "bool"
    case .string: "string"
    case .array: "array"
    }
  }

  /// The value of an integer of any width, or nil for other types and a `uint64` above `Int.max`.
  public var integerValue: Int? {
    switch self {
    case .uint8(let value): Int(value)
    case .int8(let value): Int(value)
    case .uint16(let value): Int(value)
    case .int16(let value): Int(value)
    case .uint32(let value): Int(value)
    case .int32(let value): Int(value)
    case .uint64(let value): Int(exactly: value)
    case .int64(let value): Int(value)
    default: nil
    }
  }

  /// The value of a float (`float32` widened exactly) or of an integer (rounded beyond 2^53).
  public var floatValue: Double? {
    switch self {
    case .float32(let value): Double(value)
    case .float64(let value): value
    case .uint64(let value): Double(value)
    default: integerValue.map(Double.init)
    }
  }

  /// The text of a string, or nil for other types.
  public var stringValue: String? {
    if case .string(let text) = self { text } else { nil }
  }

  /// The elements of an array, or nil for other types.
  public var arrayValue: [GGUFValue]? {
    if case .array(let elements) = self { elements } else { nil }
  }

  /// `typeName`, with an array's element type: `"array of string"`, `"empty array"`.
  var typeDescription: String {
    guard case .array(let elements) = self else { return typeName }
    guard let first = elements.first else { return "empty array" }
    return "array of \(first.typeDescription)"
  }
}

/// One key and its value, as a GGUF file lists its metadata.
public struct GGUFMetadataEntry: Sendable, Equatable {
  /// The key, e.g. `"llama.block_count"`.
  public var key: String
  /// The value.
  public var value: GGUFValue

  /// Creates an entry.
  public init(key: String, value: GGUFValue) {
    self.key = key
    self.value = value
  }
}
