/// An element type of the safetensors format, spelled as in the header (`"F32"`).
public enum SafetensorsDType: String, CaseIterable, Sendable {
  case bool = "BOOL"
  case uint8 = "U8"
  case int8 = "I8"
  case float8E5M2 = "F8_E5M2"
  case float8E4M3 = "F8_E4M3"
  case int16 = "I16"
  case uint16 = "U16"
  case float16 = "F16"
  case bfloat16 = "BF16"
  case int32 = "I32"
  case uint32 = "U32"
  case float32 = "F32"
  case float64 = "F64"
  case int64 = "I64"
  case uint64 = "U64"

  /// The size of one element in bytes.
  public var byteCount: Int {
    switch self {
    case .bool, .uint8, .int8, .float8E5M2, .float8E4M3: return 1
    case .int16, .uint16, .float16, .bfloat16: return 2
    case .int32, .uint32, .float32: return 4
    case .float64, .int64, .uint64: return 8
    }
  }

  /// The same element type as NumPy names it, for the types both formats
  /// store; nil for bfloat16 and the 8-bit floats.
  var numpyEquivalent: NumPyDType? {
    switch self {
    case .bool: return .bool
    case .uint8: return .uint8
    case .int8: return .int8
    case .int16: return .int16
    case .uint16: return .uint16
    case .float16: return .float16
    case .int32: return .int32
    case .uint32: return .uint32
    case .float32: return .float32
    case .float64: return .float64
    case .int64: return .int64
    case .uint64: return .uint64
    case .bfloat16, .float8E5M2, .float8E4M3: return nil
    }
  }
}
