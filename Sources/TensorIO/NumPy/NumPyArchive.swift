import Tensors

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads and writes NumPy's `.npz`: a ZIP archive whose members are `.npy` files.
///
/// `np.savez` stores members uncompressed and `np.savez_compressed` deflates
/// them; both are read. Members are named after the arrays with a `.npy`
/// suffix, which is removed on reading and added on writing.
enum NumPyArchive {
  /// Deflate cannot expand data by more than about 1032:1, so a member that
  /// claims more is a zip bomb or corrupt, whatever its `.npy` header says.
  static let maximumDeflateRatio = 1032

  /// The array members of the archive, in the order of its central directory.
  static func members(of source: ByteSource) throws(Problem) -> [(name: String, entry: ZipEntry)] {
    let entries = try ZipDirectory.entries(of: source)
    guard !entries.isEmpty else { throw Problem("archive holds no arrays") }
    var seen = Set<String>()
    var members: [(name: String, entry: ZipEntry)] = []
    for entry in entries {
      guard entry.name.hasSuffix(".npy"), entry.name.count > 4 else {
        throw Problem("member \"\(entry.name)\" is not a .npy array")
      }
      let name = String(entry.name.dropLast(4))
      guard seen.insert(name).inserted else { throw Problem("array \"\(name)\" appears twice") }
      members.append((name, entry))
    }
    return members
  }

  /// Decodes one member of the archive in `source`.
  static func readArray(_ entry: ZipEntry, from source: ByteSource) throws(Problem) -> Tensor {
    let offset = try ZipDirectory.dataOffset(of: entry, in: source)
    switch entry.method {
    case .stored:
      guard entry.compressedSize == entry.uncompressedSize else {
        throw Problem(
          "stored member is \(entry.compressedSize) bytes, but the archive says \(entry.uncompressedSize)"
            + " uncompressed")
      }
      let member = SliceSource(base: source, offset: offset, size: entry.compressedSize)
      // A hostile header is rejected before the data is read.
      _ = try NumPyArray.readHeader(from: member)
      // Checked in a streaming pass so that the member is decoded straight from the file, not from a copy.
      guard try crc32(of: member) == entry.crc32 else { throw crcMismatch }
      return try NumPyArray.read(from: member)
    case .deflated:
      let contents = try inflate(entry, at: offset, from: source)
      guard contents.withUnsafeBytes({ zipCRC32($0) }) == entry.crc32 else { throw crcMismatch }
      return try NumPyArray.read(from: MemorySource(contents: contents))
    }
  }

  private static let crcMismatch = Problem("CRC-32 mismatch (the archive is corrupt)")

  private static func crc32(of source: ByteSource) throws(Problem) -> UInt32 {
    var chunk = [UInt8](repeating: 0, count: min(source.size, 1 << 20))
    var crc: UInt32 = 0
    var done = 0
    while done < source.size {
      let length = min(chunk.count, source.size - done)
      var failure: Problem?
      chunk.withUnsafeMutableBytes { raw in
        let part = UnsafeMutableRawBufferPointer(rebasing: raw[0..<length])
        do throws(Problem) {
          try source.copy(into: part, from: done)
          crc = zipCRC32(UnsafeRawBufferPointer(part), continuing: crc)
        } catch {
          failure = error
        }
      }
      if let failure { throw failure }
      done += length
    }
    return crc
  }

  /// Decompresses `entry`, stopping as soon as its output disagrees with the archive or its `.npy` header.
  private static func inflate(_ entry: ZipEntry, at offset: Int, from source: ByteSource) throws(Problem)
    -> [UInt8]
  {
    let declared = entry.uncompressedSize
    let (bound, overflow) = entry.compressedSize.multipliedReportingOverflow(by: maximumDeflateRatio)
    guard overflow || declared <= bound + 64 else {
      throw Problem(
        "claims \(declared) bytes uncompressed from \(entry.compressedSize) compressed, more than"
          + " deflate can produce")
    }
    let inflater = try RawInflater(compressed: try source.bytes(at: offset, count: entry.compressedSize))
    var output: [UInt8] = []
    func fill(to count: Int) throws(Problem) {
      try inflater.inflate(into: &output, upTo: count)
      guard output.count == count else {
        throw Problem("decompresses to \(output.count) bytes, the archive says \(declared)")
      }
    }
    try fill(to: min(12, declared))
    let headerLength = try NumPyHeader.length(prefix: output, totalSize: declared)
    try fill(to: headerLength)
    // The header must account for exactly the declared size, which bounds the allocation below.
    _ = try NumPyHeader.parse(output, totalSize: declared)
    output.reserveCapacity(min(declared, 1 << 26))
    try fill(to: declared)
    guard try !inflater.hasMoreOutput() else {
      throw Problem("decompresses to more than the \(declared) bytes the archive says")
    }
    return output
  }

  /// Writes `arrays` as `np.savez` does: one stored `.npy` member per array, named `<name>.npy`.
  static func write<Sink: ByteSink>(
    _ arrays: [(name: String, tensor: Tensor)], to sink: inout Sink
  ) throws(Problem) {
    try checkNames(arrays.map(\.name))
    let (dosTime, dosDate) = dosTimestamp()
    var directory: [UInt8] = []
    var offset = 0
    for (name, tensor) in arrays {
      let fileName = Array((name + ".npy").utf8)
      let header = NumPyHeader.encode(shape: tensor.shape, dtype: .float32)
      let size = header.count + tensor.count * MemoryLayout<Float>.size
      guard size < 0xFFFF_FFFF, offset < 0xFFFF_FFFF, fileName.count <= 0xFFFF else {
        throw Problem("archives over 4 GiB are not supported for writing")
      }
      var crc = header.withUnsafeBytes { zipCRC32($0) }
      crc = littleEndianBytes(of: tensor.scalars) { zipCRC32($0, continuing: crc) }
      // Bit 11 marks names as UTF-8; ASCII names are the same either way.
      let flags = fileName.allSatisfy { $0 < 0x80 } ? 0 : 0x800

      var local: [UInt8] = []
      local.appendLittleEndian(ZipDirectory.localHeaderSignature, byteCount: 4)
      local.appendLittleEndian(20, byteCount: 2)
      local.appendLittleEndian(flags, byteCount: 2)
      local.appendLittleEndian(0, byteCount: 2)
      local.appendLittleEndian(dosTime, byteCount: 2)
      local.appendLittleEndian(dosDate, byteCount: 2)
      local.appendLittleEndian(Int(crc), byteCount: 4)
      local.appendLittleEndian(size, byteCount: 4)
      local.appendLittleEndian(size, byteCount: 4)
      local.appendLittleEndian(fileName.count, byteCount: 2)
      local.appendLittleEndian(0, byteCount: 2)
      local += fileName
      try sink.write(local)
      try sink.write(header)
      try sink.writeLittleEndian(tensor.scalars)

      directory.appendLittleEndian(ZipDirectory.centralHeaderSignature, byteCount: 4)
      // Made by: Unix (3), spec version 2.0, so the mode in the external attributes is honoured.
      directory.appendLittleEndian(0x0314, byteCount: 2)
      directory += local[4..<30]
      directory.appendLittleEndian(0, byteCount: 2)
      directory.appendLittleEndian(0, byteCount: 2)
      directory.appendLittleEndian(0, byteCount: 2)
      directory.appendLittleEndian(0o100644 << 16, byteCount: 4)
      directory.appendLittleEndian(offset, byteCount: 4)
      directory += fileName
      offset += local.count + size
    }
    guard offset < 0xFFFF_FFFF, directory.count < 0xFFFF_FFFF else {
      throw Problem("archives over 4 GiB are not supported for writing")
    }
    var end: [UInt8] = []
    end.appendLittleEndian(ZipDirectory.endRecordSignature, byteCount: 4)
    end.appendLittleEndian(0, byteCount: 4)
    end.appendLittleEndian(arrays.count, byteCount: 2)
    end.appendLittleEndian(arrays.count, byteCount: 2)
    end.appendLittleEndian(directory.count, byteCount: 4)
    end.appendLittleEndian(offset, byteCount: 4)
    end.appendLittleEndian(0, byteCount: 2)
    try sink.write(directory)
    try sink.write(end)
  }

  /// Rejects names that would make an archive NumPy reads differently: empty, repeated or with NUL.
  static func checkNames(_ names: [String]) throws(Problem) {
    var seen = Set<String>()
    for name in names {
      guard !name.isEmpty, !name.utf8.contains(0) else { throw Problem("array name \"\(name)\" is invalid") }
      guard seen.insert(name).inserted else { throw Problem("array name \"\(name)\" appears twice") }
    }
    guard names.count < 0xFFFF else { throw Problem("\(names.count) arrays; at most 65534 per archive") }
  }

  private static func littleEndianBytes<Result>(
    of scalars: [Float], _ body: (UnsafeRawBufferPointer) -> Result
  ) -> Result {
    #if _endian(little)
      return scalars.withUnsafeBytes(body)
    #else
      return scalars.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
    #endif
  }

  /// The current local time in MS-DOS format, as ZIP records modification times.
  private static func dosTimestamp() -> (time: Int, date: Int) {
    var now = time(nil)
    var parts = tm()
    guard localtime_r(&now, &parts) != nil, parts.tm_year >= 80 else { return (0, 0x21) }
    let time = Int(parts.tm_hour) << 11 | Int(parts.tm_min) << 5 | Int(parts.tm_sec) / 2
    let date = Int(parts.tm_year - 80) << 9 | Int(parts.tm_mon + 1) << 5 | Int(parts.tm_mday)
    return (time, date)
  }
}
