import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct NumPyArrayTests {
  // MARK: Files written by NumPy (Fixtures/make_fixtures.py, NumPy 2.4.6)

  @Test func readsFloat64() throws {
    let tensor = try TensorFile.read(contentsOf: fixture("float64_2x3.npy"))
    #expect(tensor.shape == [2, 3])
    #expect(tensor.scalars == [1.5, -2.25, 3.0, Float(0.001 as Double), Float(-1e-20 as Double), 65536.125])
  }

  @Test func readsIntegersAndBooleans() throws {
    #expect(try TensorFile.read(contentsOf: fixture("int64_4.npy")) == Tensor([-3, 0, 7, 1_099_511_627_776]))
    #expect(try TensorFile.read(contentsOf: fixture("uint8_2x2.npy")) == Tensor(rows: [[0, 1], [128, 255]]))
    #expect(try TensorFile.read(contentsOf: fixture("int8_3.npy")) == Tensor([-128, -1, 127]))
    #expect(try TensorFile.read(contentsOf: fixture("bool_2x3.npy")) == Tensor(rows: [[1, 0, 1], [0, 0, 1]]))
  }

  @Test func readsFloat16() throws {
    let tensor = try TensorFile.read(contentsOf: fixture("float16_6.npy"))
    #expect(tensor.shape == [6])
    #expect(Array(tensor.scalars[0..<5]) == [1.5, 0x1p-24, 65504, -.infinity, .infinity])
    #expect(tensor.scalars[5].isNaN)
  }

  @Test func halfConversionMatchesTheStandardLibrary() {
    #if !(os(macOS) && arch(x86_64))
      for bits in UInt16.min...UInt16.max {
        let expected = Float(Float16(bitPattern: bits))
        let converted = NumPyArray.halfToFloat(bits)
        #expect(converted.bitPattern == expected.bitPattern || (converted.isNaN && expected.isNaN))
      }
    #endif
  }

  @Test func readsHigherRanksAndZeroD() throws {
    let cube = try TensorFile.read(contentsOf: fixture("float32_2x3x4.npy"))
    #expect(cube == Tensor(shape: [2, 3, 4], scalars: (0..<24).map { Float($0) / 8 }))
    let fourD = try TensorFile.read(contentsOf: fixture("float32_2x1x2x3.npy"))
    #expect(fourD == Tensor(shape: [2, 1, 2, 3], scalars: (0..<12).map { -Float($0) }))
    // A NumPy 0-d array is a tensor of shape [] with one element.
    #expect(try TensorFile.read(contentsOf: fixture("float32_0d.npy")) == Tensor(shape: [], scalars: [2.5]))
  }

  @Test func readsFormatVersions2And3() throws {
    #expect(try TensorFile.read(contentsOf: fixture("version2_3.npy")) == Tensor([1, 2, 3]))
    #expect(try TensorFile.read(contentsOf: fixture("version3_3.npy")) == Tensor([4, 5, 6]))
  }

  @Test func rejectsWhatItCannotRepresent() {
    #expect(
      failure { try TensorFile.read(contentsOf: fixture("fortran_2x3.npy")) }
        == "fortran_2x3.npy: Fortran-order arrays are not supported; save with np.ascontiguousarray")
    #expect(
      failure { try TensorFile.read(contentsOf: fixture("bigendian_f4.npy")) }
        == "bigendian_f4.npy: big-endian dtype '>f4' is not supported; save with arr.astype('<f4')")
    #expect(
      failure { try TensorFile.read(contentsOf: fixture("complex64_2.npy")) }?
        .hasPrefix("complex64_2.npy: unsupported dtype '<c8' (complex)") == true)
  }

  // MARK: Writing as np.save does

  /// Headers obtained once from `np.lib.format.write_array_header_1_0` (the same bytes `np.save` writes,
  /// checked with `np.save` for the small shapes): the dictionary text and the number of spaces before `\n`.
  @Test(arguments: [
    ([3, 4], "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 58),
    ([7], "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }", 60),
    ([], "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 62),
    ([2, 3, 4, 5], "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 5), }", 52),
    ([1_000_000, 3], "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 3), }", 52),
    ([17, 1, 1], "{'descr': '<f4', 'fortran_order': False, 'shape': (17, 1, 1), }", 54),
  ])
  func headerMatchesNumPy(shape: [Int], dictionary: String, spaces: Int) {
    let expected =
      [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array(dictionary.utf8)
      + Array(repeating: UInt8(ascii: " "), count: spaces) + [UInt8(ascii: "\n")]
    #expect(NumPyHeader.encode(shape: shape, dtype: .float32) == expected)
  }

  @Test func writesHeaderThenLittleEndianData() throws {
    let tensor = Tensor(rows: [[0.25, -1], [3, .infinity]])
    let bytes = try TensorFile.encode(tensor, format: .npy)
    #expect(bytes.count == 128 + 16)
    #expect(Array(bytes[128...]) == [0, 0, 0x80, 0x3E, 0, 0, 0x80, 0xBF, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x7F])
  }

  @Test func roundTripsRandomTensorsThroughFiles() throws {
    var generator = SeededGenerator(seed: 0x5EED_0001)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for rank in 0...4 {
      for _ in 0..<3 {
        let tensor = randomTensor(randomShape(rank: rank, maximum: 13, using: &generator), using: &generator)
        let path = folder + "/t.npy"
        try TensorFile.write(tensor, to: path)
        let back = try TensorFile.read(contentsOf: path)
        #expect(identical(back, tensor), "shape \(tensor.shape)")
      }
    }
  }

  @Test func readsLargeArraysAcrossChunks() throws {
    // More than one conversion chunk (1 MiB) of float64 and of float32.
    var generator = SeededGenerator(seed: 7)
    let values = (0..<300_001).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
    let float64Data = values.flatMap { value in
      (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) }
    }
    let bytes = npyBytes(
      dictionary: "{'descr': '<f8', 'fortran_order': False, 'shape': (300001,), }", data: float64Data)
    let tensor = try TensorFile.decode(bytes, format: .npy)
    #expect(tensor.scalars == values.map { Float($0) })
    let float32 = Tensor(shape: [300_001], scalars: values.map { Float($0) })
    #expect(try TensorFile.decode(TensorFile.encode(float32, format: .npy), format: .npy) == float32)
  }

  // MARK: Hostile and malformed input

  private func decodeFailure(_ bytes: [UInt8], name: String = "m.npy") -> String? {
    failure { try TensorFile.decode(bytes, format: .npy, name: name) }
  }

  private func header(descr: String = "<f4", fortran: String = "False", shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
  }

  @Test func everyTruncationThrows() throws {
    let bytes = try TensorFile.encode(Tensor(rows: [[1, 2, 3], [4, 5, 6]]), format: .npy)
    for length in 0..<bytes.count {
      #expect(decodeFailure(Array(bytes[0..<length])) != nil, "prefix of \(length) bytes")
    }
    #expect(decodeFailure(bytes) == nil)
  }

  @Test func namesBothSizesWhenDataIsShortOrLong() {
    let eye = npyBytes(dictionary: header(shape: "(10, 10)"), data: Array(repeating: 0, count: 120))
    #expect(
      decodeFailure(eye, name: "eye.npy") == "eye.npy: truncated: header says 400 bytes of data, file has 120"
    )
    let long = npyBytes(dictionary: header(shape: "(2,)"), data: Array(repeating: 0, count: 12))
    #expect(
      decodeFailure(long) == "m.npy: header says 8 bytes of data, file has 12 (extra bytes after the data)")
  }

  @Test func absurdShapesThrowBeforeAllocating() {
    let start = ContinuousClock.now
    let overflowing = npyBytes(dictionary: header(shape: "(1099511627776, 1099511627776)"), data: [])
    #expect(decodeFailure(overflowing) == "m.npy: shape (1099511627776, 1099511627776) is too large")
    // 2^40 elements do not overflow, but 4 TiB is far more than the file holds.
    let huge = npyBytes(dictionary: header(shape: "(1048576, 1048576)"), data: [0, 0, 0, 0])
    #expect(decodeFailure(huge) == "m.npy: truncated: header says 4398046511104 bytes of data, file has 4")
    let tooManyDigits = npyBytes(dictionary: header(shape: "(99999999999999999999,)"), data: [])
    #expect(decodeFailure(tooManyDigits) == "m.npy: axis length 99999999999999999999 is too large")
    #expect(ContinuousClock.now - start < .seconds(1))
  }

  @Test func rejectsRankEmptyAndDType() throws {
    #expect(
      decodeFailure(npyBytes(dictionary: header(shape: "(1, 1, 1, 1, 2)"), data: []))
        == "m.npy: 5-D array; at most 4-D")
    #expect(
      decodeFailure(npyBytes(dictionary: header(shape: "(3, 0)"), data: []))
        == "m.npy: empty array (shape (3, 0))")
    for (descr, name) in [
      ("|O", "'|O' (Python objects)"), ("<U5", "'<U5' (unicode strings)"), ("<c16", "'<c16' (complex)"),
      ("|V8", "'|V8' (raw or structured records)"), ("<M8[ns]", "'<M8[ns]' (datetime)"), ("<f16", "'<f16'"),
    ] {
      let message = decodeFailure(npyBytes(dictionary: header(descr: descr, shape: "(1,)"), data: [0]))
      #expect(
        message?.hasPrefix("m.npy: unsupported dtype \(name); supported:") == true,
        "\(descr): \(message ?? "")")
    }
    #expect(
      decodeFailure(npyBytes(dictionary: header(descr: ">i8", shape: "(1,)"), data: []))
        == "m.npy: big-endian dtype '>i8' is not supported; save with arr.astype('<i8')")
    #expect(decodeFailure(npyBytes(dictionary: header(descr: "|f4", shape: "(1,)"), data: [])) != nil)
    // Byte order is meaningless for one-byte types, so '>u1' is as good as '|u1'.
    #expect(
      try TensorFile.decode(
        npyBytes(dictionary: header(descr: ">u1", shape: "(2,)"), data: [3, 200]), format: .npy)
        == Tensor([3, 200]))
    let structured = "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }"
    #expect(
      decodeFailure(npyBytes(dictionary: structured, data: []))
        == "m.npy: structured dtypes are not supported (header descr is a list)")
  }

  @Test func rejectsBadMagicAndVersions() {
    let valid = npyBytes(dictionary: header(shape: "(1,)"), data: [0, 0, 0, 0])
    var wrongMagic = valid
    wrongMagic[1] = UInt8(ascii: "X")
    #expect(decodeFailure(wrongMagic) == "m.npy: not a .npy file (wrong magic bytes)")
    #expect(decodeFailure(Array("a,b\n1,2\n".utf8)) == "m.npy: not a .npy file (wrong magic bytes)")
    var version = valid
    version[6] = 4
    #expect(decodeFailure(version) == "m.npy: unsupported .npy format version 4.0 (known: 1.0, 2.0, 3.0)")
  }

  @Test func rejectsHeadersThatLieAboutTheirLength() throws {
    let valid = npyBytes(dictionary: header(shape: "(1,)"), data: [0, 0, 0x80, 0x3F])
    #expect(try TensorFile.decode(valid, format: .npy) == Tensor([1]))
    var tooLong = valid
    tooLong[8] += 4  // the header now swallows the data bytes
    #expect(
      decodeFailure(tooLong)
        == "m.npy: malformed header: 4 bytes after the padding (the header length is wrong)")
    var tooShort = valid
    tooShort[8] = 40
    #expect(decodeFailure(tooShort)?.hasPrefix("m.npy: malformed header:") == true)
    var beyondFile = valid
    beyondFile[8] = 0xFF
    beyondFile[9] = 0x7F
    #expect(
      decodeFailure(beyondFile) == "m.npy: truncated header: header length says 32767 bytes, file has 122")
    let version2 = npyBytes(dictionary: header(shape: "(1,)"), data: [0, 0, 0, 0], version: 2)
    var hugeHeader = version2
    hugeHeader[11] = 0x7F
    #expect(decodeFailure(hugeHeader)?.contains("header length") == true)
  }

  @Test func headerParserIsStrict() {
    let malformed = [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (3), }",  // an int, not a tuple
      "{'descr': '<f4', 'fortran_order': False, }",
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (01,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ",
      "__import__('os').system('true')",
    ]
    for dictionary in malformed {
      #expect(decodeFailure(npyBytes(dictionary: dictionary, data: [0, 0, 0, 0])) != nil, "\(dictionary)")
    }
    // What NumPy could write without the trailing comma or with double quotes still reads.
    let plain = "{\"descr\": \"<f4\", \"shape\": (1,), \"fortran_order\": False}"
    #expect(decodeFailure(npyBytes(dictionary: plain, data: [0, 0, 0, 0])) == nil)
  }
}
