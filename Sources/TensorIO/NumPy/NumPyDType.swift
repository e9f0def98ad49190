/// The element types of `.npy` data that convert to `Float`.
///
/// Only little-endian layouts are read (NumPy writes `<` on every common
/// machine); one-byte types carry no byte order and are written with `|`.
enum NumPyDType: Equatable, Sendable {
  case float16, float32, float64
  case int8, int16, int32, int64
  case uint8, uint16, uint32, uint64
  case bool

  /// Bytes per element.
  var itemSize: Int {
    switch self {
    case .int8, .uint8, .bool: 1
    case .float16, .int16, .uint16: 2
    case .float32, .int32, .uint32: 4
    case .float64, .int64, .uint64: 8
    }
  }

  /// The dtype of a NumPy type string such as `<f4`, `|u1` or `|b1`.
  init(descr: String) throws(Problem) {
    let characters = Array(descr.unicodeScalars)
    guard characters.count >= 2 else { throw Problem("unsupported dtype '\(descr)'") }
    let order = characters[0]
    let kind = characters[1]
    let size = Int(String(String.UnicodeScalarView(characters[2...])))
    let known: NumPyDType? =
      switch (kind, size) {
      case ("f", 2): .float16
      case ("f", 4): .float32
      case ("f", 8): .float64
      case ("i", 1): .int8
      case ("i", 2): .int16
      case ("i", 4): .int32
      case ("i", 8): .int64
      case ("u", 1): .uint8
      case ("u", 2): .uint16
      case ("u", 4): .uint32
      case ("u", 8): .uint64
      case ("b", 1): .bool
      default: nil
      }
    guard let known else {
      throw Problem("unsupported dtype '\(descr)'\(NumPyDType.kindName(kind)); \(NumPyDType.supported)")
    }
    if order == ">" && known.itemSize > 1 {
      throw Problem(
        "big-endian dtype '\(descr)' is not supported; save with arr.astype('<\(kind)\(known.itemSize)')")
    }
    // A one-byte type has no byte order, so NumPy may mark it with any of the three.
    let orderIsValid = order == "<" || (known.itemSize == 1 && (order == "|" || order == ">"))
    guard orderIsValid else {
      throw Problem("unsupported dtype '\(descr)' (byte order '\(order)'); \(NumPyDType.supported)")
    }
    self = known
  }

  /// The type string NumPy writes for this dtype.
  var descr: String {
    switch self {
    case .float16: "<f2"
    case .float32: "<f4"
    case .float64: "<f8"
    case .int8: "|i1"
    case .int16: "<i2"
    case .int32: "<i4"
    case .int64: "<i8"
    case .uint8: "|u1"
    case .uint16: "<u2"
    case .uint32: "<u4"
    case .uint64: "<u8"
    case .bool: "|b1"
    }
  }

  private static let supported = "supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool"

  private static func kindName(_ kind: Unicode.Scalar) -> String {
    switch kind {
    case "c": " (complex)"
    case "O": " (Python objects)"
    case "U": " (unicode strings)"
    case "S", "a": " (byte strings)"
    case "V": " (raw or structured records)"
    case "M": " (datetime)"
    case "m": " (timedelta)"
    default: ""
    }
  }
}
