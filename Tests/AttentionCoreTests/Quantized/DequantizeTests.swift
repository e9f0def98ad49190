import CAttentionKernels
import Foundation
import Testing

/// ak_dequantize against the gguf package's numpy dequantization
/// (Fixtures/quant, from scripts/reference/quant_fixtures.py), bit for bit:
/// both do ggml's float operations in ggml's order, each rounded once.
@Suite struct DequantizeTests {
  /// Every type of the fixtures, with its ggml number.
  static let types: [(name: String, type: ak_qtype)] = [
    ("F32", AK_QTYPE_F32), ("F16", AK_QTYPE_F16), ("BF16", AK_QTYPE_BF16), ("Q4_0", AK_QTYPE_Q4_0),
    ("Q4_1", AK_QTYPE_Q4_1), ("Q5_0", AK_QTYPE_Q5_0), ("Q5_1", AK_QTYPE_Q5_1), ("Q8_0", AK_QTYPE_Q8_0),
    ("Q8_1", AK_QTYPE_Q8_1), ("Q2_K", AK_QTYPE_Q2_K), ("Q3_K", AK_QTYPE_Q3_K), ("Q4_K", AK_QTYPE_Q4_K),
    ("Q5_K", AK_QTYPE_Q5_K), ("Q6_K", AK_QTYPE_Q6_K), ("Q8_K", AK_QTYPE_Q8_K),
  ]

  static func fixture(_ name: String) throws -> Data {
    let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/quant").appendingPathComponent(name)
    return try Data(contentsOf: url)
  }

  /// The blocks copied into memory aligned for any block struct.
  static func dequantize(_ type: ak_qtype, blocks: Data, count: Int) -> (status: Int32, values: [Float]) {
    var values = [Float](repeating: .nan, count: count)
    let aligned = UnsafeMutableRawPointer.allocate(byteCount: max(blocks.count, 1), alignment: 16)
    defer { aligned.deallocate() }
    blocks.copyBytes(to: aligned.assumingMemoryBound(to: UInt8.self), count: blocks.count)
    let status = values.withUnsafeMutableBufferPointer {
      ak_dequantize(Int32(type.rawValue), aligned, $0.baseAddress, count)
    }
    return (status, values)
  }

  @Test(arguments: types.map(\.name))
  func matchesGGUFBitForBit(name: String) throws {
    let type = Self.types.first { $0.name == name }!.type
    let blocks = try Self.fixture(name + ".blocks")
    let expected = try Self.fixture(name + ".f32").withUnsafeBytes { raw in
      (0..<raw.count / 4).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian }
    }
    let elements = ak_qtype_block_elements(Int32(type.rawValue))
    let bytes = ak_qtype_block_bytes(Int32(type.rawValue))
    #expect(
      blocks.count / bytes * elements == expected.count, "\(name): block size disagrees with the fixture")
    let (status, values) = Self.dequantize(type, blocks: blocks, count: expected.count)
    #expect(status == 0)
    let mismatches = zip(values, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1 }
    #expect(
      mismatches.isEmpty,
      "\(name): \(mismatches.count) values differ, first at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \(Float(bitPattern: $0.element.1))" } ?? "")"
    )
  }

  /// All 65536 halves: numbers as Swift's Float16 converts them, NaNs
  /// with their sign and payload moved up 13 bits (numpy's conversion).
  @Test func everyHalfConvertsExactly() {
    let halves = (0...UInt16.max).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let (status, values) = Self.dequantize(AK_QTYPE_F16, blocks: Data(halves), count: 65536)
    #expect(status == 0)
    var wrong = 0
    for bits in 0...UInt16.max {
      let half = Float16(bitPattern: bits)
      let expected: UInt32 =
        half.isNaN
        ? UInt32(bits & 0x8000) << 16 | 0x7F80_0000 | UInt32(bits & 0x3FF) << 13 : Float(half).bitPattern
      if values[Int(bits)].bitPattern != expected { wrong += 1 }
    }
    #expect(wrong == 0, "\(wrong) halves convert wrongly")
  }

  @Test func refusesUnknownTypesAndPartialBlocks() {
    var output = [Float](repeating: .nan, count: 64)
    let block = [UInt8](repeating: 0, count: 64)
    output.withUnsafeMutableBufferPointer { out in
      #expect(ak_dequantize(4, block, out.baseAddress, 32) == -1)
      #expect(ak_dequantize(Int32(AK_QTYPE_Q8_0.rawValue), block, out.baseAddress, 31) == -1)
    }
    #expect(ak_qtype_block_elements(4) == 0 && ak_qtype_block_bytes(99) == 0)
    #expect(output.allSatisfy { $0.isNaN })
  }
}
