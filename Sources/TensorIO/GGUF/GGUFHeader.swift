/// The validated header of a GGUF file: everything before the data section.
///
/// Layout (little-endian, versions 2 and 3): the magic `GGUF`, a u32
/// version, a u64 tensor count and a u64 metadata count; the metadata, each
/// a string key (u64 length, UTF-8 bytes), a u32 value type and the value;
/// the tensor infos, each a string name, a u32 dimension count, that many
/// u64 dimensions (innermost first), a u32 ggml type and a u64 offset from
/// the start of the data section; then padding up to the next multiple of
/// `general.alignment` (32 when absent), where the data section starts.
///
/// `parse` checks every count against the bytes left before it reserves
/// anything, with overflow-safe arithmetic, so neither a huge count nor a
/// deep nest of arrays can exhaust memory or the stack; and it checks that
/// every tensor lies inside the file, aligned, without overlapping another.
struct GGUFHeader {
  /// A key or name from the file as errors show it: quoted, with control characters escaped, so that the
  /// message stays one line, and cut short after 80 characters.
  static func quoted(_ text: String) -> String {
    var shown = ""
    appendJSONString(text.count > 80 ? String(text.prefix(80)) + "…" : text, to: &shown)
    return shown
  }

  /// Alignments above this are refused as insane (ggml itself uses 32).
  static let maximumAlignment = 1 << 20
  static let defaultAlignment = 32
  static let alignmentKey = "general.alignment"
  /// Arrays of arrays nest at most this deep, which bounds the parser's recursion.
  static let maximumNesting = 16
  /// The fewest bytes a metadata entry takes: an empty key (8) + a type (4) + a one-byte value.
  static let minimumEntryBytes = 13
  /// The fewest bytes a tensor info takes: an empty name (8) + n_dims (4) + one dimension (8) + a type (4)
  /// + an offset (8).
  static let minimumTensorInfoBytes = 32

  var version: Int
  var alignment: Int
  var metadata: [GGUFMetadataEntry]
  var tensors: [GGUFTensorInfo]
  /// Where the data section starts, from the start of the file.
  var dataStart: Int

  static func parse(_ file: UnsafeRawBufferPointer) throws(Problem) -> GGUFHeader {
    var cursor = GGUFCursor(bytes: file)
    guard file.count >= 4 else {
      throw Problem("not a GGUF file: \(file.count) bytes, fewer than the 4-byte magic")
    }
    let magic = Array(file[0..<4])
    guard magic == Array("GGUF".utf8) else {
      let shown = magic.map { byte in (32..<127).contains(byte) ? String(UnicodeScalar(byte)) : "." }.joined()
      throw Problem("not a GGUF file: bad magic \"\(shown)\" (expected \"GGUF\")")
    }
    cursor.offset = 4
    let version = try cursor.uint32("the version")
    guard version == 2 || version == 3 else {
      if version.byteSwapped == 2 || version.byteSwapped == 3 {
        throw Problem("big-endian GGUF (version \(version.byteSwapped) byte-swapped) is not supported")
      }
      throw Problem("GGUF version \(version) is not supported (only 2 and 3)")
    }
    let tensorCount = try cursor.uint64("the tensor count")
    let entryCount = try cursor.uint64("the metadata count")
    let left = cursor.remaining
    guard entryCount <= UInt64(left / minimumEntryBytes) else {
      throw Problem(
        "metadata count \(entryCount) cannot fit in the \(left) bytes left "
          + "(each entry takes at least \(minimumEntryBytes))")
    }
    guard tensorCount <= UInt64((left - Int(entryCount) * minimumEntryBytes) / minimumTensorInfoBytes) else {
      throw Problem(
        "tensor count \(tensorCount) cannot fit in the \(left) bytes left after \(entryCount) metadata entries "
          + "(each tensor info takes at least \(minimumTensorInfoBytes))")
    }

    var metadata: [GGUFMetadataEntry] = []
    metadata.reserveCapacity(Int(entryCount))
    var keys: Set<String> = []
    for index in 0..<Int(entryCount) {
      let key = try cursor.string { "the key of metadata entry \(index)" }
      guard keys.insert(key).inserted else { throw Problem("metadata key \(quoted(key)) appears twice") }
      let type = try cursor.uint32("the type of \(quoted(key))")
      let value = try cursor.value(of: type, key: key, depth: 0)
      metadata.append(GGUFMetadataEntry(key: key, value: value))
    }

    var alignment = defaultAlignment
    if let entry = metadata.first(where: { $0.key == alignmentKey }) {
      guard case .uint32(let value) = entry.value else {
        throw Problem("\(alignmentKey) is \(entry.value.typeDescription), not uint32")
      }
      guard value > 0, value & (value - 1) == 0, value <= maximumAlignment else {
        throw Problem("\(alignmentKey) is \(value), not a power of two from 1 to \(maximumAlignment)")
      }
      alignment = Int(value)
    }

    var tensors: [GGUFTensorInfo] = []
    tensors.reserveCapacity(Int(tensorCount))
    var names: Set<String> = []
    var relativeOffsets: [Int] = []
    relativeOffsets.reserveCapacity(Int(tensorCount))
    for index in 0..<Int(tensorCount) {
      let name = try cursor.string { "the name of tensor \(index)" }
      guard names.insert(name).inserted else { throw Problem("tensor \(quoted(name)) appears twice") }
      var info = try cursor.tensorInfo(name: name)
      guard info.offset % alignment == 0 else {
        throw Problem(
          "tensor \(quoted(name)): offset \(info.offset) is not a multiple of the alignment \(alignment)")
      }
      relativeOffsets.append(info.offset)
      info.offset = 0
      tensors.append(info)
    }

    // The data section starts at the next multiple of the alignment; a file without tensors may end earlier.
    let headerEnd = cursor.offset
    let padding = (alignment - headerEnd % alignment) % alignment
    let dataStart = headerEnd + padding  // headerEnd <= file.count, far below Int.max
    for index in tensors.indices {
      let (start, startOverflow) = dataStart.addingReportingOverflow(relativeOffsets[index])
      let (end, endOverflow) = start.addingReportingOverflow(tensors[index].byteCount)
      guard !startOverflow, !endOverflow, end <= file.count else {
        throw Problem(
          "tensor \(quoted(tensors[index].name)): \(tensors[index].byteCount) bytes at offset "
            + "\(startOverflow ? "\(dataStart) + \(relativeOffsets[index])" : String(start)) "
            + "leave the file (\(file.count) bytes)")
      }
      // ggml pads every tensor to the alignment, the last one too, and reads the data section whole.
      let padded = end + (alignment - end % alignment) % alignment
      guard padded <= file.count else {
        throw Problem(
          "tensor \(quoted(tensors[index].name)): the padding of its \(tensors[index].byteCount) bytes at offset "
            + "\(start) to the alignment \(alignment) leaves the file (\(file.count) bytes)")
      }
      tensors[index].offset = start
    }
    let ordered = tensors.sorted { $0.offset < $1.offset }
    for (previous, next) in zip(ordered, ordered.dropFirst())
    where next.offset < previous.offset + previous.byteCount {
      throw Problem(
        "tensors \(quoted(previous.name)) (\(previous.byteCount) bytes at offset \(previous.offset)) and "
          + "\(quoted(next.name)) (at offset \(next.offset)) overlap")
    }
    return GGUFHeader(
      version: Int(version), alignment: alignment, metadata: metadata, tensors: tensors, dataStart: dataStart)
  }
}

/// A reading position in the bytes of a GGUF file; every read checks the bytes left first.
private struct GGUFCursor {
  let bytes: UnsafeRawBufferPointer
  var offset = 0

  var remaining: Int { bytes.count - offset }

  private mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws(Problem) -> Int {
    guard count <= remaining else {
      throw Problem(
        "truncated: \(what()) at offset \(offset) needs \(count) bytes, the file has \(remaining) more")
    }
    defer { offset += count }
    return offset
  }

  private mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String)
    throws(Problem)
    -> T
  {
    let start = try take(MemoryLayout<T>.size, what())
    return T(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: T.self))
  }

  mutating func uint32(_ what: @autoclosure () -> String) throws(Problem) -> UInt32 {
    try load(UInt32.self, what())
  }

  mutating func uint64(_ what: @autoclosure () -> String) throws(Problem) -> UInt64 {
    try load(UInt64.self, what())
  }

  /// A u64 length and that many bytes of UTF-8; `what` names the string in errors.
  mutating func string(_ what: () -> String) throws(Problem) -> String {
    let length = try uint64(what() + "'s length")
    guard length <= UInt64(remaining) else {
      throw Problem(
        "\(what()): length \(length) at offset \(offset - 8) runs past the end of the file "
          + "(\(remaining) bytes left)")
    }
    let start = try take(Int(length), what())
    guard let text = String(validating: bytes[start..<start + Int(length)], as: UTF8.self) else {
      throw Problem("\(what()) is not valid UTF-8")
    }
    return text
  }

  /// The fewest bytes one value of `type` takes, or nil for a type GGUF does not define.
  static func minimumSize(of type: UInt32) -> Int? {
    switch type {
    case 0, 1, 7: 1  // uint8, int8, bool
    case 2, 3: 2  // uint16, int16
    case 4, 5, 6: 4  // uint32, int32, float32
    case 8, 10, 11, 12: 8  // string (its length), uint64, int64, float64
    case 9: 12  // array: element type and count
    default: nil
    }
  }

  /// One value of `type` (GGUF's numbering) for the metadata entry `key`.
  mutating func value(of type: UInt32, key: String, depth: Int) throws(Problem) -> GGUFValue {
    let what = { "the value of \(GGUFHeader.quoted(key))" }
    switch type {
    case 0: return .uint8(try load(UInt8.self, what()))
    case 1: return .int8(try load(Int8.self, what()))
    case 2: return .uint16(try load(UInt16.self, what()))
    case 3: return .int16(try load(Int16.self, what()))
    case 4: return .uint32(try load(UInt32.self, what()))
    case 5: return .int32(try load(Int32.self, what()))
    case 6: return .float32(Float(bitPattern: try load(UInt32.self, what())))
    case 7:
      let byte = try load(UInt8.self, what())
      guard byte <= 1 else {
        throw Problem("\(GGUFHeader.quoted(key)): bool byte \(byte) is neither 0 nor 1")
      }
      return .bool(byte == 1)
    case 8: return .string(try string { GGUFHeader.quoted(key) })
    case 9: return try array(key: key, depth: depth)
    case 10: return .uint64(try load(UInt64.self, what()))
    case 11: return .int64(try load(Int64.self, what()))
    case 12: return .float64(Double(bitPattern: try load(UInt64.self, what())))
    default: throw Problem("\(GGUFHeader.quoted(key)) has unknown value type \(type)")
    }
  }

  private mutating func array(key: String, depth: Int) throws(Problem) -> GGUFValue {
    guard depth < GGUFHeader.maximumNesting else {
      throw Problem("\(GGUFHeader.quoted(key)): arrays nest deeper than \(GGUFHeader.maximumNesting) levels")
    }
    let elementType = try uint32("the element type of \(GGUFHeader.quoted(key))")
    guard let elementSize = GGUFCursor.minimumSize(of: elementType) else {
      throw Problem("\(GGUFHeader.quoted(key)) is an array of unknown value type \(elementType)")
    }
    let count = try uint64("the element count of \(GGUFHeader.quoted(key))")
    guard count <= UInt64(remaining / elementSize) else {
      throw Problem(
        "\(GGUFHeader.quoted(key)): \(count) elements of at least \(elementSize) bytes cannot fit in the \(remaining) bytes left"
      )
    }
    var elements: [GGUFValue] = []
    elements.reserveCapacity(Int(count))
    for _ in 0..<Int(count) {
      elements.append(try value(of: elementType, key: key, depth: depth + 1))
    }
    return .array(elements)
  }

  /// The rest of a tensor info after its name; `offset` is still relative to the data section.
  mutating func tensorInfo(name: String) throws(Problem) -> GGUFTensorInfo {
    let dimensionCount = try uint32("the dimension count of tensor \(GGUFHeader.quoted(name))")
    guard (1...4).contains(dimensionCount) else {
      throw Problem("tensor \(GGUFHeader.quoted(name)) has \(dimensionCount) dimensions (1 to 4 are allowed)")
    }
    var dimensions: [Int] = []
    var elementCount = 1
    for axis in 0..<Int(dimensionCount) {
      let length = try uint64("dimension \(axis) of tensor \(GGUFHeader.quoted(name))")
      guard length > 0 else { throw Problem("tensor \(GGUFHeader.quoted(name)): dimension \(axis) is 0") }
      let (product, overflow) = elementCount.multipliedReportingOverflow(by: Int(clamping: length))
      guard length <= UInt64(Int.max), !overflow else {
        let shown = (dimensions.map(String.init) + [String(length)]).joined(separator: " × ")
        throw Problem("tensor \(GGUFHeader.quoted(name)): dimensions \(shown) overflow")
      }
      dimensions.append(Int(length))
      elementCount = product
    }
    let typeNumber = try uint32("the type of tensor \(GGUFHeader.quoted(name))")
    guard let type = GGUFTensorType(rawValue: typeNumber) else {
      throw Problem("tensor \(GGUFHeader.quoted(name)) has unknown type \(typeNumber)")
    }
    guard dimensions[0] % type.blockElements == 0 else {
      throw Problem(
        "tensor \(GGUFHeader.quoted(name)): row length \(dimensions[0]) is not a multiple of \(type.name)'s "
          + "\(type.blockElements)-element blocks")
    }
    // Whole blocks per row times rows; each factor is at most elementCount, the product checked.
    let (byteCount, overflow) = (elementCount / type.blockElements).multipliedReportingOverflow(
      by: type.blockBytes)
    guard !overflow else {
      throw Problem(
        "tensor \(GGUFHeader.quoted(name)): \(elementCount) elements of \(type.name) need more bytes than fit in an Int"
      )
    }
    let offset = try uint64("the offset of tensor \(GGUFHeader.quoted(name))")
    guard offset <= UInt64(Int.max) else {
      throw Problem(
        "tensor \(GGUFHeader.quoted(name)): offset \(offset) leaves the file (\(bytes.count) bytes)")
    }
    return GGUFTensorInfo(
      name: name, dimensions: dimensions, type: type, offset: Int(offset), byteCount: byteCount,
      elementCount: elementCount)
  }
}
