import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct NumPyArchiveTests {
  // MARK: Archives written by NumPy (Fixtures/make_fixtures.py)

  @Test func readsSavez() throws {
    let arrays = try TensorFile.readArchive(contentsOf: fixture("stored.npz"))
    #expect(arrays.map(\.name) == ["queries", "keys", "mask"])
    #expect(arrays[0].tensor == Tensor(rows: [[0, 1, 2], [3, 4, 5]]))
    #expect(arrays[1].tensor == Tensor([1, -2, 3]))
    #expect(arrays[2].tensor == Tensor(rows: [[1, 0]]))
    #expect(try TensorFile.read(contentsOf: fixture("stored.npz")) == arrays[0].tensor)
    #expect(try TensorFile.read(contentsOf: fixture("stored.npz"), array: "mask") == arrays[2].tensor)
  }

  @Test func readsSavezCompressed() throws {
    let arrays = try TensorFile.readArchive(contentsOf: fixture("compressed.npz"))
    #expect(arrays.map(\.name) == ["attention", "zeros"])
    // attention = (arange(400).reshape(20, 20) % 7) / 7 in float32.
    let expected = (0..<400).map { Float($0 % 7) / 7 }
    #expect(arrays[0].tensor == Tensor(shape: [20, 20], scalars: expected))
    #expect(arrays[1].tensor == Tensor.zeros([3, 50]))
  }

  @Test func namesTheMissingArrayAndTheAvailableOnes() {
    #expect(
      failure { try TensorFile.read(contentsOf: fixture("stored.npz"), array: "values") }
        == "stored.npz: no array \"values\"; the archive holds \"queries\", \"keys\", \"mask\"")
    #expect(
      failure { try TensorFile.read(contentsOf: fixture("float32_0d.npy"), array: "x") }
        == "float32_0d.npy: array \"x\" asked for, but only .npz archives hold named arrays")
    #expect(
      failure { try TensorFile.readArchive(contentsOf: fixture("float32_0d.npy")) }
        == "float32_0d.npy: not a .npz archive; readArchive reads .npz files")
  }

  @Test func roundTripsNamedArrays() throws {
    var generator = SeededGenerator(seed: 0x5EED_0002)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for trial in 0..<5 {
      let arrays = (0..<(trial + 1)).map { index in
        (
          name: "array\(index)_ü",
          tensor: randomTensor(
            randomShape(rank: (trial + index) % 5, maximum: 9, using: &generator), using: &generator)
        )
      }
      let path = folder + "/a.npz"
      try TensorFile.writeArchive(arrays, to: path)
      let back = try TensorFile.readArchive(contentsOf: path)
      #expect(back.map(\.name) == arrays.map(\.name))
      for (read, written) in zip(back, arrays) {
        #expect(identical(read.tensor, written.tensor), "\(written.name) \(written.tensor.shape)")
      }
    }
    let single = randomTensor([3, 7], using: &generator)
    try TensorFile.write(single, to: folder + "/one.npz")
    let back = try TensorFile.readArchive(contentsOf: folder + "/one.npz")
    #expect(back.count == 1 && back[0].name == "arr_0" && identical(back[0].tensor, single))
  }

  @Test func writerRejectsBadNames() {
    let tensor = Tensor([1])
    #expect(failure { try TensorFile.encode(tensor, format: .npz) } == nil)
    #expect(
      failure { try TensorFile.writeArchive([("a", tensor), ("a", tensor)], to: "/nonexistent/x.npz") }
        == "x.npz: array name \"a\" appears twice")
    #expect(
      failure { try TensorFile.writeArchive([("", tensor)], to: "/nonexistent/x.npz") }
        == "x.npz: array name \"\" is invalid")
  }

  @Test func crcMatchesTheReference() {
    var generator = SeededGenerator(seed: 3)
    for count in [0, 1, 7, 1000] {
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
      #expect(bytes.withUnsafeBytes { zipCRC32($0) } == referenceCRC32(bytes))
    }
  }

  // MARK: Hand-built archives

  private let member = TensorFile.encodeNPY(Tensor(rows: [[1, 2], [3, 4]]))

  private func decodeFailure(_ archive: [UInt8]) -> String? {
    failure { try TensorFile.decodeArchive(archive, name: "z.npz") }
  }

  @Test func readsStoredDeflatedAndZip64Layouts() throws {
    let expected = Tensor(rows: [[1, 2], [3, 4]])
    for archive in [
      zipArchive([ZipMember(name: "a.npy", contents: member)]),
      zipArchive([ZipMember(name: "a.npy", contents: member, deflate: true)]),
      zipArchive([ZipMember(name: "a.npy", contents: member, zip64Sizes: true)]),
      zipArchive(
        [ZipMember(name: "a.npy", contents: member, deflate: true, zip64Sizes: true)], zip64End: true),
    ] {
      let arrays = try TensorFile.decodeArchive(archive)
      #expect(arrays.count == 1 && arrays[0].name == "a" && arrays[0].tensor == expected)
    }
    // A deflate stream split into several blocks.
    let big = TensorFile.encodeNPY(Tensor(shape: [40_000], scalars: (0..<40_000).map(Float.init)))
    let archive = zipArchive([ZipMember(name: "big.npy", contents: big, deflate: true)])
    #expect(try TensorFile.decode(archive, format: .npz).scalars.last == 39_999)
  }

  @Test func entriesClaimingGigabytesThrowFast() {
    let start = ContinuousClock.now
    let storedClaim = ZipMember(
      name: "a.npy", contents: member, declaredCompressedSize: 0xFFFF_FFFE,
      declaredUncompressedSize: 0xFFFF_FFFE)
    #expect(
      decodeFailure(zipArchive([storedClaim]))?.hasPrefix(
        "z.npz: ZIP entry \"a.npy\": truncated: needs 4294967294 bytes") == true)
    let deflateClaim = ZipMember(
      name: "a.npy", contents: member, deflate: true, declaredUncompressedSize: 0xFFFF_FFFE)
    #expect(
      decodeFailure(zipArchive([deflateClaim]))
        == "z.npz: member \"a\": claims 4294967294 bytes uncompressed from 149 compressed, more than deflate can produce"
    )
    let zip64Claim = ZipMember(
      name: "a.npy", contents: member, deflate: true, declaredUncompressedSize: 1 << 40, zip64Sizes: true)
    #expect(decodeFailure(zipArchive([zip64Claim]))?.contains("more than deflate can produce") == true)
    #expect(ContinuousClock.now - start < .seconds(1))
  }

  @Test func deflatedDataMustAgreeWithTheNpyHeader() {
    // Within deflate's ratio, but the .npy header says 144 bytes in all, not 5000.
    let longer = ZipMember(name: "a.npy", contents: member, deflate: true, declaredUncompressedSize: 5000)
    #expect(
      decodeFailure(zipArchive([longer]))
        == "z.npz: member \"a\": header says 16 bytes of data, file has 4872 (extra bytes after the data)")
    let shorter = ZipMember(name: "a.npy", contents: member, deflate: true, declaredUncompressedSize: 140)
    #expect(
      decodeFailure(zipArchive([shorter]))
        == "z.npz: member \"a\": truncated: header says 16 bytes of data, file has 12")
    // The stream holds more than the archive declares.
    var padded = member + Array(repeating: 0, count: 100)
    var extra = ZipMember(
      name: "a.npy", contents: padded, deflate: true, declaredUncompressedSize: member.count)
    #expect(
      decodeFailure(zipArchive([extra]))
        == "z.npz: member \"a\": decompresses to more than the 144 bytes the archive says")
    // The stream ends before the declared size.
    padded = Array(member[0..<130])
    extra = ZipMember(name: "a.npy", contents: padded, deflate: true, declaredUncompressedSize: member.count)
    #expect(
      decodeFailure(zipArchive([extra]))
        == "z.npz: member \"a\": decompresses to 130 bytes, the archive says 144")
  }

  @Test func rejectsCorruptOrUnsupportedMembers() {
    #expect(
      decodeFailure(zipArchive([ZipMember(name: "a.npy", contents: member, declaredCRC: 1)]))
        == "z.npz: member \"a\": CRC-32 mismatch (the archive is corrupt)")
    #expect(
      decodeFailure(zipArchive([ZipMember(name: "a.npy", contents: member, method: 12)]))
        == "z.npz: ZIP entry \"a.npy\": compression method 12 (bzip2) is not supported (only stored and deflate)"
    )
    #expect(
      decodeFailure(zipArchive([ZipMember(name: "a.npy", contents: member, flags: 1)]))
        == "z.npz: ZIP entry \"a.npy\": encrypted ZIP entries are not supported")
    #expect(
      decodeFailure(zipArchive([ZipMember(name: "notes.txt", contents: member)]))
        == "z.npz: member \"notes.txt\" is not a .npy array")
    #expect(
      decodeFailure(
        zipArchive([ZipMember(name: "a.npy", contents: member), ZipMember(name: "a.npy", contents: member)]))
        == "z.npz: array \"a\" appears twice")
    #expect(decodeFailure(zipArchive([])) == "z.npz: archive holds no arrays")
    #expect(
      decodeFailure(zipArchive([ZipMember(name: "a.npy", contents: Array(member[0..<100]))]))
        == "z.npz: member \"a\": truncated header: header length says 118 bytes, file has 90")
    #expect(decodeFailure(member) == "z.npz: not a ZIP archive (no end-of-central-directory record)")
    #expect(decodeFailure([0x50, 0x4B]) == "z.npz: not a ZIP archive (2 bytes, too short)")
  }

  @Test func rejectsDirectoriesThatPointOutsideTheFile() {
    var archive = zipArchive([ZipMember(name: "a.npy", contents: member)])
    let end = archive.count - 22
    archive[end + 16] = 0xFF  // central directory offset
    archive[end + 19] = 0x7F
    #expect(decodeFailure(archive)?.hasPrefix("z.npz: corrupt ZIP archive: central directory") == true)
    archive = zipArchive([ZipMember(name: "a.npy", contents: member)])
    archive[end + 10] = 0xFF  // 255 entries in a 51-byte directory
    archive[end + 8] = 0xFF
    #expect(
      decodeFailure(archive)
        == "z.npz: corrupt ZIP archive: 255 entries cannot fit a 51-byte central directory")
    archive = zipArchive([ZipMember(name: "a.npy", contents: member)])
    archive[archive.count - 22 - 51 + 42] = 0x10  // local header offset
    #expect(decodeFailure(archive)?.contains("local header") == true)
  }

  @Test func everyTruncationThrows() throws {
    for name in ["stored.npz", "compressed.npz"] {
      let bytes = try fixtureBytes(name)
      for length in 0..<bytes.count {
        #expect(decodeFailure(Array(bytes[0..<length])) != nil, "\(name) cut to \(length) bytes")
      }
      #expect(decodeFailure(bytes) == nil)
    }
  }
}

extension TensorFile {
  /// `.npy` bytes of `tensor`, for building archives in tests.
  static func encodeNPY(_ tensor: Tensor) -> [UInt8] {
    NumPyArray.encode(tensor)
  }
}
