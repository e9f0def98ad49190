/// Reads the central directory of a ZIP archive (PKWARE's APPNOTE.TXT), ZIP64 included.
///
/// Sizes and offsets come from the central directory, not the local headers:
/// `np.savez` writes local headers with ZIP64 placeholders. Every offset and
/// length is checked against the archive's size before it is used.
enum ZipDirectory {
  static let endRecordSignature = 0x0605_4B50
  static let zip64EndRecordSignature = 0x0606_4B50
  static let zip64LocatorSignature = 0x0706_4B50
  static let centralHeaderSignature = 0x0201_4B50
  static let localHeaderSignature = 0x0403_4B50
  static let endRecordLength = 22
  static let centralHeaderLength = 46
  static let localHeaderLength = 30

  /// The entries of the archive in `source`, in central-directory order.
  static func entries(of source: ByteSource) throws(Problem) -> [ZipEntry] {
    let end = try findEndRecord(in: source)
    let directory = try source.bytes(at: end.directoryOffset, count: end.directorySize)
    var entries: [ZipEntry] = []
    var position = 0
    for index in 0..<end.entryCount {
      guard position + centralHeaderLength <= directory.count,
        directory.uint32(at: position) == centralHeaderSignature
      else {
        throw Problem("corrupt ZIP central directory at entry \(index + 1) of \(end.entryCount)")
      }
      let (entry, length) = try parseCentralHeader(directory, at: position, index: index)
      entries.append(entry)
      position += length
    }
    for entry in entries {
      try checkLocalHeader(of: entry, in: source, dataLimit: end.directoryOffset)
    }
    return entries
  }

  /// The offset of the first data byte of `entry`, found through its local header.
  static func dataOffset(of entry: ZipEntry, in source: ByteSource) throws(Problem) -> Int {
    let local = try source.bytes(at: entry.localHeaderOffset, count: localHeaderLength)
    return entry.localHeaderOffset + localHeaderLength + local.uint16(at: 26) + local.uint16(at: 28)
  }

  private struct EndRecord {
    var entryCount: Int
    var directorySize: Int
    var directoryOffset: Int
  }

  private static func findEndRecord(in source: ByteSource) throws(Problem) -> EndRecord {
    guard source.size >= endRecordLength else {
      throw Problem("not a ZIP archive (\(source.size) bytes, too short)")
    }
    // The record is 22 bytes plus a comment of up to 65535 bytes at the very end of the archive.
    let searchLength = min(source.size, endRecordLength + 0xFFFF)
    let tailStart = source.size - searchLength
    let tail = try source.bytes(at: tailStart, count: searchLength)
    var candidate = tail.count - endRecordLength
    var found: Int?
    while candidate >= 0 {
      if tail.uint32(at: candidate) == endRecordSignature
        && candidate + endRecordLength + tail.uint16(at: candidate + 20) == tail.count
      {
        found = candidate
        break
      }
      candidate -= 1
    }
    guard let found else {
      throw Problem("not a ZIP archive (no end-of-central-directory record)")
    }
    let recordOffset = tailStart + found
    let diskNumber = tail.uint16(at: found + 4)
    let directoryDisk = tail.uint16(at: found + 6)
    let entriesOnDisk = tail.uint16(at: found + 8)
    var record = EndRecord(
      entryCount: tail.uint16(at: found + 10),
      directorySize: tail.uint32(at: found + 12),
      directoryOffset: tail.uint32(at: found + 16))
    var directoryLimit = recordOffset
    guard diskNumber == 0, directoryDisk == 0, entriesOnDisk == record.entryCount else {
      throw Problem("multi-part ZIP archives are not supported")
    }
    if record.entryCount == 0xFFFF || record.directorySize == 0xFFFF_FFFF
      || record.directoryOffset == 0xFFFF_FFFF
    {
      let zip64Offset = try findZip64EndRecord(in: source, before: recordOffset)
      let zip64 = try source.bytes(at: zip64Offset, count: 56)
      guard zip64.uint32(at: 0) == zip64EndRecordSignature else {
        throw Problem("corrupt ZIP64 end-of-central-directory record")
      }
      guard zip64.uint32(at: 16) == 0, zip64.uint32(at: 20) == 0, zip64.uint64(at: 24) == zip64.uint64(at: 32)
      else {
        throw Problem("multi-part ZIP archives are not supported")
      }
      record = EndRecord(
        entryCount: zip64.uint64(at: 32), directorySize: zip64.uint64(at: 40),
        directoryOffset: zip64.uint64(at: 48))
      directoryLimit = zip64Offset
    }
    guard record.directoryOffset <= directoryLimit,
      record.directorySize <= directoryLimit - record.directoryOffset
    else {
      throw Problem(
        "corrupt ZIP archive: central directory (\(record.directorySize) bytes at offset"
          + " \(record.directoryOffset)) lies outside the \(source.size)-byte file")
    }
    // Each entry takes at least 46 bytes, so the count cannot exceed what the directory can hold.
    guard record.entryCount <= record.directorySize / centralHeaderLength else {
      throw Problem(
        "corrupt ZIP archive: \(record.entryCount) entries cannot fit a \(record.directorySize)-byte"
          + " central directory")
    }
    return record
  }

  private static func findZip64EndRecord(in source: ByteSource, before recordOffset: Int) throws(Problem)
    -> Int
  {
    guard recordOffset >= 20 else { throw Problem("corrupt ZIP archive: ZIP64 locator missing") }
    let locator = try source.bytes(at: recordOffset - 20, count: 20)
    guard locator.uint32(at: 0) == zip64LocatorSignature else {
      throw Problem("corrupt ZIP archive: ZIP64 locator missing")
    }
    let offset = locator.uint64(at: 8)
    guard offset <= recordOffset - 20 - 56 else {
      throw Problem("corrupt ZIP archive: ZIP64 record offset \(offset) out of range")
    }
    return offset
  }

  private static func parseCentralHeader(
    _ directory: [UInt8], at position: Int, index: Int
  ) throws(Problem) -> (ZipEntry, length: Int) {
    let flags = directory.uint16(at: position + 8)
    let methodCode = directory.uint16(at: position + 10)
    let nameLength = directory.uint16(at: position + 28)
    let extraLength = directory.uint16(at: position + 30)
    let commentLength = directory.uint16(at: position + 32)
    let length = centralHeaderLength + nameLength + extraLength + commentLength
    guard position + length <= directory.count else {
      throw Problem("corrupt ZIP central directory at entry \(index + 1)")
    }
    let nameBytes = Array(directory[position + 46..<position + 46 + nameLength])
    guard let name = String(validating: nameBytes, as: UTF8.self) else {
      throw Problem("ZIP entry \(index + 1) has a name that is not UTF-8")
    }
    guard flags & 0x1 == 0, flags & 0x40 == 0 else {
      throw Problem("ZIP entry \"\(name)\": encrypted ZIP entries are not supported")
    }
    let method: ZipEntry.Method
    switch methodCode {
    case 0: method = .stored
    case 8: method = .deflated
    default:
      let known = [9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "zstandard", 95: "xz"][methodCode]
      throw Problem(
        "ZIP entry \"\(name)\": compression method \(methodCode)\(known.map { " (\($0))" } ?? "") is not"
          + " supported (only stored and deflate)")
    }
    var compressedSize = directory.uint32(at: position + 20)
    var uncompressedSize = directory.uint32(at: position + 24)
    var localHeaderOffset = directory.uint32(at: position + 42)
    if directory.uint16(at: position + 34) != 0 {
      throw Problem("multi-part ZIP archives are not supported")
    }
    // ZIP64 extra field (id 1): only the fields whose 32-bit value is 0xFFFFFFFF are present, in this order.
    let extra = Array(directory[position + 46 + nameLength..<position + 46 + nameLength + extraLength])
    if let zip64 = try zip64Field(in: extra, entryName: name) {
      var cursor = 0
      func next() throws(Problem) -> Int {
        guard cursor + 8 <= zip64.count else {
          throw Problem("ZIP entry \"\(name)\": ZIP64 extra field is too short")
        }
        defer { cursor += 8 }
        return zip64.uint64(at: cursor)
      }
      if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try next() }
      if compressedSize == 0xFFFF_FFFF { compressedSize = try next() }
      if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try next() }
    }
    let entry = ZipEntry(
      name: name, method: method, crc32: UInt32(directory.uint32(at: position + 16)),
      compressedSize: compressedSize, uncompressedSize: uncompressedSize,
      localHeaderOffset: localHeaderOffset)
    return (entry, length)
  }

  private static func zip64Field(in extra: [UInt8], entryName: String) throws(Problem) -> [UInt8]? {
    var position = 0
    while position + 4 <= extra.count {
      let id = extra.uint16(at: position)
      let size = extra.uint16(at: position + 2)
      guard position + 4 + size <= extra.count else {
        throw Problem("ZIP entry \"\(entryName)\": corrupt extra field in the central directory")
      }
      if id == 1 { return Array(extra[position + 4..<position + 4 + size]) }
      position += 4 + size
    }
    return nil
  }

  /// Checks that the local header of `entry` agrees with the central directory and its data fits.
  private static func checkLocalHeader(
    of entry: ZipEntry, in source: ByteSource, dataLimit: Int
  ) throws(Problem) {
    guard entry.localHeaderOffset <= dataLimit - localHeaderLength else {
      throw Problem(
        "ZIP entry \"\(entry.name)\": local header offset \(entry.localHeaderOffset) out of range")
    }
    let local = try source.bytes(at: entry.localHeaderOffset, count: localHeaderLength)
    guard local.uint32(at: 0) == localHeaderSignature else {
      throw Problem("ZIP entry \"\(entry.name)\": corrupt local header")
    }
    let nameLength = local.uint16(at: 26)
    let nameStart = entry.localHeaderOffset + localHeaderLength
    guard nameLength <= dataLimit - nameStart,
      try source.bytes(at: nameStart, count: nameLength) == Array(entry.name.utf8)
    else {
      throw Problem("ZIP entry \"\(entry.name)\": local header names a different file")
    }
    let dataOffset = nameStart + nameLength + local.uint16(at: 28)
    guard dataOffset <= dataLimit, entry.compressedSize <= dataLimit - dataOffset else {
      throw Problem(
        "ZIP entry \"\(entry.name)\": truncated: needs \(entry.compressedSize) bytes at offset \(dataOffset),"
          + " archive data ends at \(dataLimit)")
    }
  }
}
