/// The header of a `.npy` file: format version, dtype, shape and where the data starts.
///
/// Layout (NumPy's format spec): the magic string `\x93NUMPY`, a major and
/// minor version byte, the header length as a little-endian `UInt16`
/// (version 1.0) or `UInt32` (2.0 and 3.0), then a Python dict literal such
/// as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded
/// with spaces and ending in a newline.
struct NumPyHeader: Equatable, Sendable {
  var dtype: NumPyDType
  var shape: [Int]
  /// The offset of the first data byte from the start of the `.npy` bytes.
  var dataOffset: Int
  /// `shape.product * dtype.itemSize`, checked for overflow.
  var dataByteCount: Int

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
  /// The longest header accepted; NumPy itself refuses headers over 10 000 bytes by default.
  static let maximumHeaderLength = 1 << 20
  static let maximumRank = 4

  /// The number of leading bytes that hold the whole header, read from the first bytes alone.
  ///
  /// - Parameters:
  ///   - prefix: at least the first 12 bytes, or the whole input if it is shorter.
  ///   - totalSize: the size of the whole `.npy` input.
  static func length(prefix: [UInt8], totalSize: Int) throws(Problem) -> Int {
    let magicLength = magic.count
    let comparable = min(prefix.count, magicLength)
    guard Array(prefix[0..<comparable]) == Array(magic[0..<comparable]) else {
      throw Problem("not a .npy file (wrong magic bytes)")
    }
    guard totalSize >= 10, prefix.count >= 10 else {
      throw Problem("truncated: \(totalSize) bytes, a .npy header needs at least 10")
    }
    let major = prefix[6]
    let minor = prefix[7]
    let fieldSize: Int
    switch (major, minor) {
    case (1, 0): fieldSize = 2
    case (2, 0), (3, 0): fieldSize = 4
    default: throw Problem("unsupported .npy format version \(major).\(minor) (known: 1.0, 2.0, 3.0)")
    }
    guard totalSize >= 8 + fieldSize, prefix.count >= 8 + fieldSize else {
      throw Problem(
        "truncated: \(totalSize) bytes, a version \(major).0 header needs at least \(8 + fieldSize)")
    }
    var headerLength = 0
    for index in (0..<fieldSize).reversed() {
      headerLength = headerLength << 8 | Int(prefix[8 + index])
    }
    guard headerLength <= maximumHeaderLength else {
      throw Problem("header length \(headerLength) is implausible (at most \(maximumHeaderLength))")
    }
    let available = totalSize - 8 - fieldSize
    guard headerLength <= available else {
      throw Problem("truncated header: header length says \(headerLength) bytes, file has \(available)")
    }
    return 8 + fieldSize + headerLength
  }

  /// Parses the header and checks the data size it implies against `totalSize`.
  ///
  /// - Parameters:
  ///   - bytes: exactly the leading bytes reported by `length(prefix:totalSize:)`.
  ///   - totalSize: the size of the whole `.npy` input, header included.
  static func parse(_ bytes: [UInt8], totalSize: Int) throws(Problem) -> NumPyHeader {
    let dictionaryStart = bytes[6] == 1 ? 10 : 12
    let fields = try HeaderDictionaryParser.parse(bytes, from: dictionaryStart)

    let dtype = try NumPyDType(descr: fields.descr)
    let shapeText =
      "(" + fields.shape.map(String.init).joined(separator: ", ")
      + (fields.shape.count == 1 ? ",)" : ")")
    if fields.fortranOrder {
      throw Problem("Fortran-order arrays are not supported; save with np.ascontiguousarray")
    }
    guard fields.shape.count <= maximumRank else {
      throw Problem("\(fields.shape.count)-D array; at most \(maximumRank)-D")
    }
    guard !fields.shape.contains(0) else { throw Problem("empty array (shape \(shapeText))") }
    var elementCount = 1
    for length in fields.shape {
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: length)
      guard !overflow else { throw Problem("shape \(shapeText) is too large") }
      elementCount = product
    }
    let (dataByteCount, overflow) = elementCount.multipliedReportingOverflow(by: dtype.itemSize)
    guard !overflow else { throw Problem("shape \(shapeText) is too large") }
    let available = totalSize - bytes.count
    if dataByteCount > available {
      throw Problem("truncated: header says \(dataByteCount) bytes of data, file has \(available)")
    }
    if dataByteCount < available {
      throw Problem(
        "header says \(dataByteCount) bytes of data, file has \(available) (extra bytes after the data)")
    }
    return NumPyHeader(
      dtype: dtype, shape: fields.shape, dataOffset: bytes.count, dataByteCount: dataByteCount)
  }

  /// The header `np.save` writes for a C-ordered array of `shape` and `dtype`.
  ///
  /// NumPy leaves room for the first axis to grow to 21 digits and pads with
  /// spaces so that the data starts at a multiple of 64 bytes.
  static func encode(shape: [Int], dtype: NumPyDType) -> [UInt8] {
    let shapeText: String
    switch shape.count {
    case 0: shapeText = "()"
    case 1: shapeText = "(\(shape[0]),)"
    default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
    var dictionary = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
    if let first = shape.first {
      dictionary += String(repeating: " ", count: max(0, 21 - String(first).count))
    }
    let alignment = 64
    // The dictionary, its padding and the closing newline must fit the 2-byte length of version 1.0.
    var prefixLength = 10
    var usesVersion2 = false
    var paddedLength = roundUp(prefixLength + dictionary.utf8.count + 1, to: alignment) - prefixLength
    if paddedLength > Int(UInt16.max) {
      usesVersion2 = true
      prefixLength = 12
      paddedLength = roundUp(prefixLength + dictionary.utf8.count + 1, to: alignment) - prefixLength
    }
    var header = magic + [usesVersion2 ? 2 : 1, 0]
    let lengthBytes = usesVersion2 ? 4 : 2
    for index in 0..<lengthBytes {
      header.append(UInt8(truncatingIfNeeded: paddedLength >> (8 * index)))
    }
    header += Array(dictionary.utf8)
    header += Array(repeating: UInt8(ascii: " "), count: paddedLength - dictionary.utf8.count - 1)
    header.append(UInt8(ascii: "\n"))
    return header
  }

  private static func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }
}
