import Tensors

extension SafetensorsFile {
  /// Writes `tensors` as an F32 safetensors file at `path`, replacing any file there atomically.
  ///
  /// The data follow in the order given; the header lists the tensors in the
  /// same order, then `__metadata__`, and is padded with spaces so the data
  /// start at a multiple of 8 bytes.
  ///
  /// - Parameters:
  ///   - tensors: names (unique, non-empty, not `__metadata__`) and tensors of any rank.
  ///   - metadata: the header's `__metadata__` map; omitted when empty.
  ///   - path: the destination.
  /// - Throws: `TensorIOError` for a bad name or if the file cannot be written.
  public static func write(
    tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to path: String
  ) throws(TensorIOError) {
    do throws(Problem) {
      let header = try encodeHeader(tensors: tensors, metadata: metadata)
      try AtomicFileWriter.write(to: path) { (sink: inout AtomicFileWriter) throws(Problem) in
        try writeBody(header: header, tensors: tensors, to: &sink)
      }
    } catch {
      throw error.at(path: path)
    }
  }

  /// The bytes `write(tensors:metadata:to:)` writes.
  public static func encode(
    tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]
  ) throws(TensorIOError) -> [UInt8] {
    var sink = MemorySink()
    do throws(Problem) {
      let header = try encodeHeader(tensors: tensors, metadata: metadata)
      try writeBody(header: header, tensors: tensors, to: &sink)
    } catch {
      throw error.at(path: "tensors")
    }
    return sink.contents
  }

  private static func writeBody<Sink: ByteSink>(
    header: [UInt8], tensors: [(name: String, tensor: Tensor)], to sink: inout Sink
  ) throws(Problem) {
    let length = UInt64(header.count)
    try sink.write((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
    try sink.write(header)
    for (_, tensor) in tensors { try sink.writeLittleEndian(tensor.scalars) }
  }

  /// The JSON header, padded with spaces to a multiple of 8 bytes.
  static func encodeHeader(
    tensors: [(name: String, tensor: Tensor)], metadata: [String: String]
  ) throws(Problem) -> [UInt8] {
    var seen: Set<String> = []
    var entries: [String] = []
    var offset = 0
    for (name, tensor) in tensors {
      guard !name.isEmpty else { throw Problem("a tensor has an empty name") }
      guard name != SafetensorsHeader.metadataKey else {
        throw Problem("\"\(name)\" is reserved for the metadata and cannot name a tensor")
      }
      guard seen.insert(name).inserted else { throw Problem("tensor \"\(name)\" is given twice") }
      let end = offset + tensor.count * 4
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
      offset = end
    }
    if !metadata.isEmpty {
      let members = metadata.sorted { $0.key < $1.key }.map {
        "\(jsonString($0.key)):\(jsonString($0.value))"
      }
      entries.append("\"\(SafetensorsHeader.metadataKey)\":{\(members.joined(separator: ","))}")
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
    return header
  }

  /// `text` as a JSON string literal, escaping what RFC 8259 requires.
  private static func jsonString(_ text: String) -> String {
    var result = ""
    appendJSONString(text, to: &result)
    return result
  }
}
