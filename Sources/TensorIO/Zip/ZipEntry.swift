/// One member of a ZIP archive as its central directory describes it.
struct ZipEntry: Equatable, Sendable {
  enum Method: Equatable, Sendable {
    case stored
    case deflated
  }

  var name: String
  var method: Method
  var crc32: UInt32
  var compressedSize: Int
  var uncompressedSize: Int
  var localHeaderOffset: Int
}
