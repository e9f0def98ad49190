import Foundation
import Testing

@testable import TensorIO

/// Malformed GGUF files, each made by editing the fixture's bytes: every one is refused with a
/// `TensorIOError` that names the file and says what is wrong.
@Suite struct GGUFHostileTests {
  private func fixtureFile() throws -> GGUFBytes {
    GGUFBytes(bytes: try ggufFixtureBytes())
  }

  private func expectFailure(
    _ file: GGUFBytes, _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let message = ggufFailure(file.bytes)
    #expect(
      message?.hasPrefix("bad.gguf: ") == true, "\(message ?? "opened")", sourceLocation: sourceLocation)
    #expect(
      message?.contains(phrase) == true, "expected \"\(phrase)\" in: \(message ?? "opened")",
      sourceLocation: sourceLocation)
    #expect(message?.contains("\n") == false, sourceLocation: sourceLocation)
  }

  @Test func theFixtureOpens() throws {
    #expect(ggufFailure(try fixtureFile().bytes) == nil)
  }

  @Test func badMagic() throws {
    var file = try fixtureFile()
    file.bytes[0] = UInt8(ascii: "X")
    #expect(ggufFailure(file.bytes) == #"bad.gguf: not a GGUF file: bad magic "XGUF" (expected "GGUF")"#)
    expectFailure(GGUFBytes(bytes: [0x47, 0x47]), "not a GGUF file: 2 bytes")
    expectFailure(GGUFBytes(bytes: Array("PK\u{3}\u{4}rest".utf8)), #"not a GGUF file: bad magic "PK..""#)
  }

  @Test func unsupportedVersions() throws {
    var file = try fixtureFile()
    for (version, phrase) in [
      (1, "GGUF version 1 is not supported (only 2 and 3)"), (4, "GGUF version 4 is not supported"),
      (0x0300_0000, "big-endian GGUF (version 3 byte-swapped) is not supported"),
      (0x0200_0000, "big-endian GGUF (version 2 byte-swapped)"),
    ] {
      file.set(UInt64(version), at: 4, size: 4)
      expectFailure(file, phrase)
    }
    file.set(2, at: 4, size: 4)
    #expect(ggufFailure(file.bytes) == nil)
  }

  @Test func countsThatCannotFit() throws {
    var file = try fixtureFile()
    let left = file.bytes.count - 24
    file.set(1 << 63, at: 8, size: 8)
    expectFailure(file, "tensor count 9223372036854775808 cannot fit in the \(left) bytes left")
    file = try fixtureFile()
    file.set(UInt64.max, at: 16, size: 8)
    expectFailure(file, "metadata count 18446744073709551615 cannot fit in the \(left) bytes left")
    // A count that fits the minimum sizes but not the entries that are there reads on into other bytes.
    file = try fixtureFile()
    file.set(40, at: 8, size: 8)
    expectFailure(file, "tensor")
  }

  @Test func stringLengthPastTheEnd() throws {
    var file = try fixtureFile()
    let value = file.end(ofString: "fixture.string") + 4
    file.set(1 << 40, at: value, size: 8)
    expectFailure(
      file, #""fixture.string": length 1099511627776 at offset \#(value) runs past the end of the file"#)
    file = try fixtureFile()
    file.set(UInt64.max, at: file.start(ofString: "fixture.uint8"), size: 8)
    expectFailure(file, "the key of metadata entry 2: length 18446744073709551615")
    file = try fixtureFile()
    file.set(1 << 62, at: file.start(ofString: "f32.matrix"), size: 8)
    expectFailure(file, "the name of tensor 0: length 4611686018427387904")
  }

  @Test func arrayCountsPastTheEnd() throws {
    var file = try fixtureFile()
    // The value of an array: its u32 element type, then its u64 count.
    let count = file.end(ofString: "fixture.uint64s") + 8
    file.set(1 << 60, at: count, size: 8)
    expectFailure(file, #""fixture.uint64s": 1152921504606846976 elements of at least 8 bytes cannot fit"#)
    // An inner array of the nested one: [[1, 2], [3], []] — the first inner count follows two headers.
    file = try fixtureFile()
    let inner = file.end(ofString: "fixture.nested") + 4 + 12 + 4
    #expect(file.uint64(at: inner) == 2)
    file.set(UInt64.max / 2, at: inner, size: 8)
    expectFailure(file, #""fixture.nested": 9223372036854775807 elements of at least 4 bytes cannot fit"#)
    // Arrays of arrays: the outer count of empty arrays is checked against 12 bytes each.
    file = try fixtureFile()
    file.set(1 << 50, at: file.end(ofString: "fixture.nested") + 8, size: 8)
    expectFailure(file, "elements of at least 12 bytes cannot fit")
  }

  @Test func deeplyNestedArraysAreRefused() throws {
    // general.architecture's value replaced by 20 nested arrays of one element each, inside the same bytes.
    var file = try fixtureFile()
    let key = "general.architecture"
    let value = file.end(ofString: key)
    var nest: [UInt8] = littleEndianBytes([9], size: 4)
    for _ in 0..<20 { nest += littleEndianBytes([9], size: 4) + littleEndianBytes([1], size: 8) }
    file.bytes.replaceSubrange(value..<value, with: nest)
    expectFailure(file, #""general.architecture": arrays nest deeper than 16 levels"#)
  }

  @Test func unknownValueTypes() throws {
    var file = try fixtureFile()
    file.set(13, at: file.end(ofString: "fixture.uint8"), size: 4)
    expectFailure(file, #""fixture.uint8" has unknown value type 13"#)
    file = try fixtureFile()
    file.set(0xFFFF_FFFF, at: file.end(ofString: "fixture.int32s") + 4, size: 4)
    expectFailure(file, #""fixture.int32s" is an array of unknown value type 4294967295"#)
  }

  @Test func duplicateKeysAndNames() throws {
    var file = try fixtureFile()
    let key = file.end(ofString: "fixture.false") - 13
    file.bytes.replaceSubrange(key..<key + 13, with: Array("fixture.uint8".utf8))
    expectFailure(file, #"metadata key "fixture.uint8" appears twice"#)
    file = try fixtureFile()
    let name = file.end(ofString: "f32.rank3") - 1
    file.bytes[name] = UInt8(ascii: "4")
    expectFailure(file, #"tensor "f32.rank4" appears twice"#)
  }

  @Test func dimensionCounts() throws {
    var file = try fixtureFile()
    let fields = file.tensorFields("f32.matrix")
    file.set(0, at: fields.dimensionCount, size: 4)
    expectFailure(file, #"tensor "f32.matrix" has 0 dimensions (1 to 4 are allowed)"#)
    file.set(5, at: fields.dimensionCount, size: 4)
    expectFailure(file, #"tensor "f32.matrix" has 5 dimensions"#)
  }

  @Test func dimensions() throws {
    var file = try fixtureFile()
    let fields = file.tensorFields("f32.rank4")
    file.set(0, at: fields.dimensions + 8, size: 8)
    expectFailure(file, #"tensor "f32.rank4": dimension 1 is 0"#)
    file = try fixtureFile()
    file.set(1 << 40, at: fields.dimensions, size: 8)
    file.set(1 << 40, at: fields.dimensions + 16, size: 8)
    expectFailure(file, #"tensor "f32.rank4": dimensions 1099511627776 × 1 × 1099511627776 overflow"#)
    file = try fixtureFile()
    file.set(UInt64.max, at: fields.dimensions, size: 8)
    expectFailure(file, "dimensions 18446744073709551615 overflow")
    // Elements that fit in an Int but whose bytes do not.
    file = try fixtureFile()
    file.set(1 << 61, at: fields.dimensions, size: 8)
    expectFailure(
      file, #"tensor "f32.rank4": 4611686018427387904 elements of F32 need more bytes than fit in an Int"#)
  }

  @Test func rowLengthNotWholeBlocks() throws {
    var file = try fixtureFile()
    file.set(48, at: file.tensorFields("q8_0.matrix").dimensions, size: 8)
    expectFailure(file, #"tensor "q8_0.matrix": row length 48 is not a multiple of Q8_0's 32-element blocks"#)
  }

  @Test func unknownTensorType() throws {
    var file = try fixtureFile()
    file.set(16, at: file.tensorFields("q8_0.matrix").type, size: 4)
    expectFailure(file, #"tensor "q8_0.matrix" has unknown type 16"#)
    file.set(4, at: file.tensorFields("q8_0.matrix").type, size: 4)  // Q4_2, removed from ggml
    expectFailure(file, #"tensor "q8_0.matrix" has unknown type 4"#)
  }

  @Test func alignments() throws {
    let value = try fixtureFile().end(ofString: "general.alignment") + 4
    for (alignment, phrase) in [
      (48, "general.alignment is 48, not a power of two from 1 to 1048576"), (0, "general.alignment is 0"),
      (1 << 21, "general.alignment is 2097152"),
    ] {
      var file = try fixtureFile()
      file.set(UInt64(alignment), at: value, size: 4)
      expectFailure(file, phrase)
    }
    var file = try fixtureFile()
    file.set(5, at: value - 4, size: 4)
    expectFailure(file, "general.alignment is int32, not uint32")
    // 128 is a fine alignment, but the fixture's offsets are multiples of 64 only.
    file.set(4, at: value - 4, size: 4)
    file.set(128, at: value, size: 4)
    expectFailure(file, "offset 64 is not a multiple of the alignment 128")
  }

  @Test func misalignedOffset() throws {
    var file = try fixtureFile()
    let offset = file.tensorFields("f32.rank4").offset
    file.set(file.uint64(at: offset) + 4, at: offset, size: 8)
    expectFailure(file, #"tensor "f32.rank4": offset 516 is not a multiple of the alignment 64"#)
  }

  @Test func tensorsThatLeaveTheFile() throws {
    var file = try fixtureFile()
    file.bytes.removeLast(56)
    expectFailure(file, #"tensor "f32.rank4": 16 bytes at offset 1984 leave the file (1992 bytes)"#)
    // ggml pads the last tensor to the alignment too.
    file = try fixtureFile()
    file.bytes.removeLast(1)
    expectFailure(
      file,
      #"tensor "f32.rank4": the padding of its 16 bytes at offset 1984 to the alignment 64 leaves the file (2047 bytes)"#
    )
    file = try fixtureFile()
    file.set(1 << 62, at: file.tensorFields("f32.matrix").offset, size: 8)
    expectFailure(
      file, #"tensor "f32.matrix": 60 bytes at offset 4611686018427389376 leave the file (2048 bytes)"#)
    file = try fixtureFile()
    file.set(UInt64.max & ~63, at: file.tensorFields("f32.matrix").offset, size: 8)
    expectFailure(file, #"tensor "f32.matrix": offset 18446744073709551552 leaves the file"#)
    file = try fixtureFile()
    file.set(UInt64(Int.max) & ~63, at: file.tensorFields("f32.matrix").offset, size: 8)
    expectFailure(file, "60 bytes at offset 1472 + 9223372036854775744 leave the file (2048 bytes)")
  }

  @Test func overlappingTensors() throws {
    var file = try fixtureFile()
    let rank3 = file.uint64(at: file.tensorFields("f32.rank3").offset)
    file.set(rank3, at: file.tensorFields("f32.rank4").offset, size: 8)
    expectFailure(
      file, #"tensors "f32.rank3" (24 bytes at offset 1920) and "f32.rank4" (at offset 1920) overlap"#)
  }

  @Test func invalidUTF8() throws {
    var file = try fixtureFile()
    file.bytes[file.end(ofString: "fixture.uint8") - 1] = 0xFF
    expectFailure(file, "the key of metadata entry 2 is not valid UTF-8")
    file = try fixtureFile()
    file.bytes[file.end(ofString: "f32.matrix") - 1] = 0xC3
    expectFailure(file, "the name of tensor 0 is not valid UTF-8")
    file = try fixtureFile()
    // "héllo": é is C3 A9; a lone lead byte before "l" is invalid.
    let text = file.end(ofString: "héllo wörld ✓") - "héllo wörld ✓".utf8.count
    file.bytes[text + 2] = UInt8(ascii: "A")
    expectFailure(file, #""fixture.string" is not valid UTF-8"#)
    file = try fixtureFile()
    // "ï" is C3 AF; C3 before "A" is invalid.
    let element = file.end(ofString: "ünï") - 1
    file.bytes[element] = UInt8(ascii: "A")
    expectFailure(file, #""fixture.strings" is not valid UTF-8"#)
  }

  @Test func namesInErrorsStayOnOneLine() throws {
    var file = try fixtureFile()
    let name = file.end(ofString: "f32.rank3") - 9
    file.bytes.replaceSubrange(name..<name + 9, with: Array("f32.rank\n".utf8))
    file.set(0, at: file.tensorFields("f32.rank\n").dimensionCount, size: 4)
    expectFailure(file, #"tensor "f32.rank\n" has 0 dimensions"#)
  }

  @Test func invalidBool() throws {
    var file = try fixtureFile()
    file.bytes[file.end(ofString: "fixture.true") + 4] = 2
    expectFailure(file, #""fixture.true": bool byte 2 is neither 0 nor 1"#)
  }

  @Test func errorsNameTheFileOnDisk() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var file = try fixtureFile()
    file.bytes[3] = 0
    let path = folder + "/model.gguf"
    _ = FileManager.default.createFile(atPath: path, contents: Data(file.bytes))
    #expect(failure { try GGUFFile(contentsOf: path) }?.hasPrefix("model.gguf: not a GGUF file") == true)
    #expect(failure { try GGUFFile(contentsOf: folder + "/absent.gguf") }?.hasPrefix("absent.gguf: ") == true)
    #expect(failure { try GGUFFile(contentsOf: folder) }?.contains("is a directory") == true)
  }
}
