/// The validated header of a safetensors file.
///
/// Layout: an 8-byte little-endian length `N`, `N` bytes of JSON, then the
/// data section. The JSON maps each tensor name to
/// `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}` (offsets
/// relative to the data section) and may hold `"__metadata__"`, a map of
/// strings to strings.
///
/// `parse` checks everything before any tensor is read: the length against
/// the file size and a cap, the JSON, every field's type, each tensor's byte
/// count against its shape and dtype (with overflow checks), and that the
/// tensors cover the data section exactly, in order, without gaps or
/// overlaps, as the format requires.
struct SafetensorsHeader {
  /// Longer headers are refused, as the format's reference reader does.
  static let maximumLength = 100_000_000
  static let metadataKey = "__metadata__"

  /// The tensors in the order the header lists them.
  var tensors: [SafetensorsTensorInfo]
  var metadata: [String: String]
  /// Where the data section starts in the file: `8 + N`.
  var dataStart: Int

  static func parse(_ file: UnsafeRawBufferPointer) throws(Problem) -> SafetensorsHeader {
    guard file.count >= 8 else {
      throw Problem(
        "truncated: \(file.count) bytes, but a safetensors file starts with an 8-byte header length")
    }
    let declared = UInt64(littleEndian: file.loadUnaligned(as: UInt64.self))
    let available = file.count - 8
    guard declared <= UInt64(available) else {
      throw Problem("header length \(declared) exceeds the \(available) bytes after the length field")
    }
    guard declared <= UInt64(maximumLength) else {
      throw Problem("header length \(declared) exceeds the limit of \(maximumLength) bytes")
    }
    let length = Int(declared)
    let text = UnsafeRawBufferPointer(rebasing: file[8..<8 + length])
    guard text.first == UInt8(ascii: "{") else {
      throw Problem("header does not start with '{'" + (length == 0 ? " (its length is 0)" : ""))
    }
    guard case .object(let members) = try HeaderJSONParser.parse(text) else {
      // The first byte is '{' and the parse succeeded, so this cannot happen; keep the message anyway.
      throw Problem("header is not a JSON object")
    }
    var header = SafetensorsHeader(tensors: [], metadata: [:], dataStart: 8 + length)
    var seen: Set<String> = []
    var sawMetadata = false
    for (name, value) in members {
      if name == metadataKey {
        guard !sawMetadata else { throw Problem("\"\(metadataKey)\" appears twice") }
        sawMetadata = true
        header.metadata = try parseMetadata(value)
        continue
      }
      guard seen.insert(name).inserted else {
        throw Problem("tensor \"\(name)\" appears twice in the header")
      }
      header.tensors.append(try parseTensor(name: name, value))
    }
    try checkCoverage(header.tensors, dataSize: file.count - header.dataStart)
    return header
  }

  private static func parseMetadata(_ value: HeaderJSON) throws(Problem) -> [String: String] {
    guard case .object(let members) = value else {
      throw Problem("\"\(metadataKey)\" is \(value.kind), not an object of strings")
    }
    var metadata: [String: String] = [:]
    for (key, entry) in members {
      guard case .string(let text) = entry else {
        throw Problem("\"\(metadataKey)\" entry \"\(key)\" is \(entry.kind), not a string")
      }
      guard metadata.updateValue(text, forKey: key) == nil else {
        throw Problem("\"\(metadataKey)\" entry \"\(key)\" appears twice")
      }
    }
    return metadata
  }

  private static func parseTensor(name: String, _ value: HeaderJSON) throws(Problem) -> SafetensorsTensorInfo
  {
    guard !name.isEmpty else { throw Problem("a tensor has an empty name") }
    guard case .object(let fields) = value else {
      throw Problem("tensor \"\(name)\" is \(value.kind), not an object with dtype, shape and data_offsets")
    }
    var dtypeValue: HeaderJSON?
    var shapeValue: HeaderJSON?
    var offsetsValue: HeaderJSON?
    for (key, field) in fields {
      let previous: HeaderJSON?
      switch key {
      case "dtype": (previous, dtypeValue) = (dtypeValue, field)
      case "shape": (previous, shapeValue) = (shapeValue, field)
      case "data_offsets": (previous, offsetsValue) = (offsetsValue, field)
      default: throw Problem("tensor \"\(name)\" has an unknown field \"\(key)\"")
      }
      guard previous == nil else { throw Problem("tensor \"\(name)\" has \"\(key)\" twice") }
    }
    guard let dtypeValue, let shapeValue, let offsetsValue else {
      let missing = [("dtype", dtypeValue), ("shape", shapeValue), ("data_offsets", offsetsValue)]
        .filter { $0.1 == nil }.map(\.0).joined(separator: ", ")
      throw Problem("tensor \"\(name)\" lacks \(missing)")
    }

    guard case .string(let dtypeName) = dtypeValue else {
      throw Problem("tensor \"\(name)\": dtype is \(dtypeValue.kind), not a string")
    }
    guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
      let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
      throw Problem("tensor \"\(name)\" has unknown dtype \"\(dtypeName)\"; known: \(known)")
    }

    guard case .array(let axes) = shapeValue else {
      throw Problem("tensor \"\(name)\": shape is \(shapeValue.kind), not an array")
    }
    var shape: [Int] = []
    shape.reserveCapacity(axes.count)
    for axis in axes {
      guard let length = axis.nonNegativeInteger else {
        throw Problem("tensor \"\(name)\": shape holds \(describe(axis)), not a whole number >= 0")
      }
      shape.append(length)
    }

    guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
      throw Problem("tensor \"\(name)\": data_offsets is not an array of two numbers [begin, end]")
    }
    guard let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger else {
      throw Problem(
        "tensor \"\(name)\": data_offsets [\(describe(offsets[0])), \(describe(offsets[1]))] "
          + "are not whole numbers >= 0")
    }
    guard begin <= end else {
      throw Problem("tensor \"\(name)\": data_offsets [\(begin), \(end)] end before they begin")
    }

    let shapeText = "[" + shape.map(String.init).joined(separator: ", ") + "]"
    guard let expected = byteCount(shape: shape, dtype: dtype) else {
      throw Problem(
        "tensor \"\(name)\": shape \(shapeText) of \(dtype.rawValue) needs more bytes than fit in an Int")
    }
    guard end - begin == expected else {
      throw Problem(
        "tensor \"\(name)\" has \(end - begin) bytes (data_offsets [\(begin), \(end)]) "
          + "for shape \(shapeText) \(dtype.rawValue) (\(expected) expected)")
    }
    return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
  }

  /// `product(shape) × dtype.byteCount`, or nil if it overflows.
  static func byteCount(shape: [Int], dtype: SafetensorsDType) -> Int? {
    var total = dtype.byteCount
    for length in shape {
      let (product, overflow) = total.multipliedReportingOverflow(by: length)
      guard !overflow else { return nil }
      total = product
    }
    return total
  }

  /// Checks that the tensors, sorted by offset, tile `0..<dataSize` exactly.
  private static func checkCoverage(_ tensors: [SafetensorsTensorInfo], dataSize: Int) throws(Problem) {
    let ordered = tensors.sorted {
      ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < (
        $1.dataOffsets.lowerBound, $1.dataOffsets.upperBound
      )
    }
    var covered = 0
    var previous: SafetensorsTensorInfo?
    for tensor in ordered {
      let range = tensor.dataOffsets
      guard range.upperBound <= dataSize else {
        throw Problem(
          "tensor \"\(tensor.name)\": data_offsets [\(range.lowerBound), \(range.upperBound)] "
            + "reach past the \(dataSize)-byte data section")
      }
      if range.lowerBound < covered, let previous {
        throw Problem(
          "tensors \"\(previous.name)\" [\(previous.dataOffsets.lowerBound), \(previous.dataOffsets.upperBound)] "
            + "and \"\(tensor.name)\" [\(range.lowerBound), \(range.upperBound)] overlap")
      }
      if range.lowerBound > covered {
        throw Problem(
          "data section has a gap: bytes \(covered)..<\(range.lowerBound) belong to no tensor "
            + "(before \"\(tensor.name)\")")
      }
      covered = range.upperBound
      previous = tensor
    }
    guard covered == dataSize else {
      throw Problem(
        "data section has \(dataSize) bytes, but the tensors cover only \(covered) "
          + "(\(dataSize - covered) bytes belong to no tensor)")
    }
  }

  private static func describe(_ value: HeaderJSON) -> String {
    switch value {
    case .number(let text): return text.count > 24 ? String(text.prefix(24)) + "…" : text
    case .string(let text): return "\"\(text.count > 24 ? String(text.prefix(24)) + "…" : text)\""
    default: return value.kind
    }
  }
}
