import Tensors
import Foundation
import TensorIO

/// SplitMix64: a small seeded generator, so every random test input can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension Float {
  /// A value for round-trip tests: mostly ordinary numbers of every magnitude, sometimes an edge case.
  static func roundTripSample(using generator: inout SeededGenerator) -> Float {
    switch Int.random(in: 0..<20, using: &generator) {
    case 0:
      return [
        0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        -.leastNormalMagnitude, 1 / 3,
      ][Int.random(in: 0..<9, using: &generator)]
    case 1: return Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator))
    default:
      let magnitude =
        Float.random(in: 1..<10, using: &generator)
        * pow(10, Float(Int.random(in: -30...30, using: &generator)))
      return Bool.random(using: &generator) ? magnitude : -magnitude
    }
  }
}

/// A tensor of `shape` filled with `Float.roundTripSample`.
func randomTensor(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
  Tensor(
    shape: shape, scalars: (0..<Tensor.elementCount(shape)).map { _ in .roundTripSample(using: &generator) })
}

/// A random shape of `rank` axes with odd lengths between 1 and `maximum`.
func randomShape(rank: Int, maximum: Int, using generator: inout SeededGenerator) -> [Int] {
  (0..<rank).map { _ in Int.random(in: 0...(maximum - 1) / 2, using: &generator) * 2 + 1 }
}

/// Whether two tensors have the same shape and bit-identical elements (any NaN matches any NaN only
/// when `nanPayloads` is false).
func identical(_ a: Tensor, _ b: Tensor, nanPayloads: Bool = true) -> Bool {
  guard a.shape == b.shape else { return false }
  return zip(a.scalars, b.scalars).allSatisfy { x, y in
    if !nanPayloads && x.isNaN { return y.isNaN }
    return x.bitPattern == y.bitPattern
  }
}

/// The description of the `TensorIOError` that `body` throws, or nil if it returns.
func failure<T>(_ body: () throws -> T) -> String? {
  do {
    _ = try body()
    return nil
  } catch let error as TensorIOError {
    return error.description
  } catch {
    return "not a TensorIOError: \(error)"
  }
}

/// The path of a committed fixture made by NumPy (see Fixtures/make_fixtures.py).
func fixture(_ name: String) -> String {
  Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

func fixtureBytes(_ name: String) throws -> [UInt8] {
  [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
}

/// A new empty folder for one test, removed by the caller with `removeItem`.
func temporaryFolder() throws -> String {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("tensorio-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url.path
}

/// `.npy` bytes with the given header dictionary text, padded as NumPy pads it, followed by `data`.
func npyBytes(dictionary: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
  let prefixLength = version == 1 ? 10 : 12
  var text = Array(dictionary.utf8)
  while (prefixLength + text.count + 1) % 64 != 0 { text.append(UInt8(ascii: " ")) }
  text.append(UInt8(ascii: "\n"))
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
  for index in 0..<(prefixLength - 8) { bytes.append(UInt8(truncatingIfNeeded: text.count >> (8 * index))) }
  return bytes + text + data
}

/// Little-endian bytes of `scalars`.
func float32Bytes(_ scalars: [Float]) -> [UInt8] {
  scalars.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
}

/// The CRC-32 of ZIP (reflected polynomial 0xEDB88320), bit by bit: a reference independent of zlib.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

/// A raw deflate stream made of "stored" blocks (RFC 1951 §3.2.4), which needs no compressor.
func deflateStoredBlocks(_ bytes: [UInt8], final: Bool = true) -> [UInt8] {
  var stream: [UInt8] = []
  var offset = 0
  repeat {
    let length = min(0xFFFF, bytes.count - offset)
    let last = offset + length == bytes.count
    stream.append(last && final ? 1 : 0)
    stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
    stream += bytes[offset..<offset + length]
    offset += length
  } while offset < bytes.count
  return stream
}

/// One member for `zipArchive`, with fields that a test may falsify.
struct ZipMember {
  var name: String
  var contents: [UInt8]
  var deflate = false
  /// Overrides of what the central directory says.
  var declaredCompressedSize: Int?
  var declaredUncompressedSize: Int?
  var declaredCRC: UInt32?
  var method: Int?
  var flags = 0
  /// Writes the sizes as 0xFFFFFFFF with the real ones in a ZIP64 extra field, as large archives do.
  var zip64Sizes = false
}

/// A ZIP archive built field by field from the APPNOTE layout, for hostile-input tests.
func zipArchive(_ members: [ZipMember], zip64End: Bool = false) -> [UInt8] {
  func le(_ value: Int, _ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }
  var archive: [UInt8] = []
  var directory: [UInt8] = []
  for member in members {
    let stored = member.deflate ? deflateStoredBlocks(member.contents) : member.contents
    let name = Array(member.name.utf8)
    let compressed = member.declaredCompressedSize ?? stored.count
    let uncompressed = member.declaredUncompressedSize ?? member.contents.count
    let crc = Int(member.declaredCRC ?? referenceCRC32(member.contents))
    let method = member.method ?? (member.deflate ? 8 : 0)
    var extra: [UInt8] = []
    if member.zip64Sizes { extra = le(1, 2) + le(16, 2) + le(uncompressed, 8) + le(compressed, 8) }
    let sizes =
      member.zip64Sizes ? le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) : le(compressed, 4) + le(uncompressed, 4)
    let common = le(45, 2) + le(member.flags, 2) + le(method, 2) + le(0, 4) + le(crc, 4) + sizes
    directory +=
      le(0x0201_4B50, 4) + le(0x031E, 2) + common + le(name.count, 2) + le(extra.count, 2)
      + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(archive.count, 4) + name + extra
    archive += le(0x0403_4B50, 4) + common + le(name.count, 2) + le(extra.count, 2) + name + extra + stored
  }
  let directoryOffset = archive.count
  archive += directory
  if zip64End {
    let recordOffset = archive.count
    archive +=
      le(0x0606_4B50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4)
      + le(members.count, 8) + le(members.count, 8) + le(directory.count, 8) + le(directoryOffset, 8)
    archive += le(0x0706_4B50, 4) + le(0, 4) + le(recordOffset, 8) + le(1, 4)
    archive +=
      le(0x0605_4B50, 4) + le(0, 4) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF_FFFF, 4)
      + le(0xFFFF_FFFF, 4) + le(0, 2)
  } else {
    archive +=
      le(0x0605_4B50, 4) + le(0, 4) + le(members.count, 2) + le(members.count, 2)
      + le(directory.count, 4) + le(directoryOffset, 4) + le(0, 2)
  }
  return archive
}
