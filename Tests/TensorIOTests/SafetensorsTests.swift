import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct SafetensorsTests {
  @Test func roundTripThroughMemoryAndFile() throws {
    var generator = SeededGenerator(seed: 0x5AFE_0001)
    var tensors: [(name: String, tensor: Tensor)] = [
      ("scalar", randomTensor([], using: &generator)),
      ("empty", Tensor(shape: [0, 3], scalars: [])),
    ]
    for rank in 1...5 {
      let shape = randomShape(rank: rank, maximum: rank > 3 ? 5 : 17, using: &generator)
      tensors.append(("layer.\(rank).weight", randomTensor(shape, using: &generator)))
    }
    tensors.append(("naïve \"quoted\"\\name\n", randomTensor([3], using: &generator)))
    let metadata = ["format": "pt", "note": "tab\tquote\" 中文 \u{1}"]

    let bytes = try SafetensorsFile.encode(tensors: tensors, metadata: metadata)
    let decoded = try SafetensorsFile(bytes: bytes)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/model.safetensors"
    try SafetensorsFile.write(tensors: tensors, metadata: metadata, to: path)
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
    let mapped = try SafetensorsFile(contentsOf: path)

    for file in [decoded, mapped] {
      #expect(file.names == tensors.map(\.name))
      #expect(file.metadata == metadata)
      var offset = 0
      for (name, tensor) in tensors {
        let info = try #require(file.info(named: name))
        #expect(info.dtype == .float32 && info.shape == tensor.shape)
        #expect(info.dataOffsets == offset..<offset + 4 * tensor.count)
        offset = info.dataOffsets.upperBound
        #expect(identical(try file.tensor(named: name), tensor), "\(name)")
      }
      #expect(
        zip(file.allTensors(), tensors).allSatisfy { $0.name == $1.name && identical($0.tensor, $1.tensor) })
    }
  }

  @Test func writerHeaderIsPlainJSONPaddedToEightBytes() throws {
    let tensors: [(name: String, tensor: Tensor)] = [
      ("a", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])), ("b", Tensor(shape: [1], scalars: [7])),
    ]
    let bytes = try SafetensorsFile.encode(tensors: tensors, metadata: ["format": "pt"])
    let length = Int(
      bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) })
    #expect((8 + length) % 8 == 0)
    // Foundation's parser, independent of ours, reads the header as the format describes it.
    let header = try #require(
      try JSONSerialization.jsonObject(with: Data(bytes[8..<8 + length])) as? [String: Any])
    let a = try #require(header["a"] as? [String: Any])
    #expect(a["dtype"] as? String == "F32")
    #expect(a["shape"] as? [Int] == [2, 3])
    #expect(a["data_offsets"] as? [Int] == [0, 24])
    #expect((header["b"] as? [String: Any])?["data_offsets"] as? [Int] == [24, 28])
    #expect(header["__metadata__"] as? [String: String] == ["format": "pt"])
    #expect(Array(bytes[(8 + length)...]) == float32Bytes([1, 2, 3, 4, 5, 6, 7]))
  }

  @Test func readsAHandBuiltFileWithUnalignedData() throws {
    // A 1-byte tensor first puts the F32 data at an odd offset in the file.
    let header =
      "{" + tensorEntry("flag", dtype: "BOOL", shape: [1], offsets: (0, 1)) + ", "
      + tensorEntry("values", shape: [2, 2], offsets: (1, 17))
      + #", "__metadata__": {"format": "pt", "escaped": "\u00e9\ud83d\ude00\/"}}"#
    let bytes = safetensorsBytes(header: header, data: [1] + float32Bytes([1.5, -2, .infinity, 0x1p-149]))
    let file = try SafetensorsFile(bytes: bytes)
    #expect(file.names == ["flag", "values"])
    #expect(file.metadata == ["format": "pt", "escaped": "é😀/"])
    #expect(try file.tensor(named: "flag") == Tensor(shape: [1], scalars: [1]))
    #expect(
      try file.tensor(named: "values") == Tensor(shape: [2, 2], scalars: [1.5, -2, .infinity, 0x1p-149]))
  }

  /// Every bit pattern of a 16-bit or 8-bit float type against a decoding written from the format's definition.
  @Test(arguments: [
    ("F16", 16, 5, 10), ("BF16", 16, 8, 7), ("F8_E5M2", 8, 5, 2), ("F8_E4M3", 8, 4, 3),
  ])
  func smallFloatTypesWidenExactly(dtype: String, bits: Int, exponentBits: Int, fractionBits: Int) throws {
    let count = 1 << bits
    let size = bits / 8
    let bytes = safetensorsBytes(
      header: "{" + tensorEntry("all", dtype: dtype, shape: [count], offsets: (0, count * size)) + "}",
      data: littleEndianBytes((0..<UInt64(count)).map { $0 }, size: size))
    let decoded = try SafetensorsFile(bytes: bytes).tensor(named: "all")
    let bias = (1 << (exponentBits - 1)) - 1
    let maximumExponent = (1 << exponentBits) - 1
    for pattern in 0..<count {
      let negative = pattern >> (bits - 1) & 1 == 1
      let exponent = pattern >> fractionBits & maximumExponent
      let fraction = pattern & ((1 << fractionBits) - 1)
      var expected: Double
      if exponent == maximumExponent && dtype != "F8_E4M3" {
        expected = fraction == 0 ? .infinity : .nan
      } else if dtype == "F8_E4M3" && exponent == maximumExponent && fraction == (1 << fractionBits) - 1 {
        expected = .nan
      } else if exponent == 0 {
        expected = Double(fraction) * pow(2, Double(1 - bias - fractionBits))
      } else {
        expected = (1 + Double(fraction) / Double(1 << fractionBits)) * pow(2, Double(exponent - bias))
      }
      if negative { expected = -expected }
      let value = decoded.scalars[pattern]
      if expected.isNaN {
        #expect(value.isNaN, "\(dtype) 0x\(String(pattern, radix: 16))")
      } else {
        #expect(
          Double(value) == expected, "\(dtype) 0x\(String(pattern, radix: 16)): \(value) vs \(expected)")
        #expect(value.sign == (negative ? .minus : .plus), "\(dtype) 0x\(String(pattern, radix: 16)) sign")
      }
    }
  }

  @Test func integerAndDoubleTypesConvertToFloat() throws {
    let doubles: [Double] = [1.0 / 3, -1e300, 2.5, .nan]
    let cases: [(dtype: String, size: Int, raw: [UInt64], expected: [Float])] = [
      ("F64", 8, doubles.map(\.bitPattern), [Float(1.0 / 3), -.infinity, 2.5, .nan]),
      (
        "I64", 8, [0, UInt64(bitPattern: -5), 1 << 40, UInt64(bitPattern: Int64.min)],
        [0, -5, 0x1p40, -0x1p63]
      ),
      ("U64", 8, [0, 7, UInt64.max, 1 << 63], [0, 7, 0x1p64, 0x1p63]),
      ("I32", 4, [0, UInt64(UInt32(bitPattern: -3)), UInt64(Int32.max), 1 << 31], [0, -3, 0x1p31, -0x1p31]),
      ("U32", 4, [0, 3, UInt64(UInt32.max), 1 << 31], [0, 3, 0x1p32, 0x1p31]),
      ("I16", 2, [0, 0xFFFF, 0x7FFF, 0x8000], [0, -1, 32767, -32768]),
      ("U16", 2, [0, 0xFFFF, 0x7FFF, 0x8000], [0, 65535, 32767, 32768]),
      ("I8", 1, [0, 0xFF, 0x7F, 0x80], [0, -1, 127, -128]),
      ("U8", 1, [0, 0xFF, 0x7F, 0x80], [0, 255, 127, 128]),
      ("BOOL", 1, [0, 1, 0, 1], [0, 1, 0, 1]),
    ]
    for item in cases {
      let bytes = safetensorsBytes(
        header: "{" + tensorEntry("t", dtype: item.dtype, shape: [2, 2], offsets: (0, 4 * item.size)) + "}",
        data: littleEndianBytes(item.raw, size: item.size))
      let tensor = try SafetensorsFile(bytes: bytes).tensor(named: "t")
      #expect(tensor.shape == [2, 2])
      #expect(
        zip(tensor.scalars, item.expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
        "\(item.dtype): \(tensor.scalars) vs \(item.expected)")
    }
  }

  @Test func missingTensorListsWhatTheFileHolds() throws {
    let bytes = try SafetensorsFile.encode(tensors: [("query.weight", .ones([2, 2]))])
    let message = failure {
      try SafetensorsFile(bytes: bytes, name: "m.safetensors").tensor(named: "key.weight")
    }
    #expect(message == #"m.safetensors: no tensor "key.weight"; the file holds 1: "query.weight""#)
  }

  @Test func writerRejectsBadNames() throws {
    let one = Tensor.ones([1])
    #expect(
      failure { try SafetensorsFile.encode(tensors: [("a", one), ("a", one)]) }?.contains("given twice")
        == true)
    #expect(failure { try SafetensorsFile.encode(tensors: [("", one)]) }?.contains("empty name") == true)
    #expect(
      failure { try SafetensorsFile.encode(tensors: [("__metadata__", one)]) }?.contains("reserved") == true)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/x.safetensors"
    #expect(failure { try SafetensorsFile.write(tensors: [("a", one), ("a", one)], to: path) } != nil)
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
  }

  @Test func fileSystemProblemsNameThePath() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(
      failure { try SafetensorsFile(contentsOf: folder + "/absent.safetensors") }
        == "absent.safetensors: no such file")
    #expect(failure { try SafetensorsFile(contentsOf: folder) }?.hasSuffix(": is a directory, not a file") == true)
    _ = FileManager.default.createFile(atPath: folder + "/empty.safetensors", contents: Data())
    #expect(
      failure { try SafetensorsFile(contentsOf: folder + "/empty.safetensors") }?
        .hasPrefix("empty.safetensors: truncated: 0 bytes") == true)
  }
}
