import Foundation
import Tensors
import Testing

@testable import TensorIO

/// The fixture written by llama.cpp's GGUFWriter (scripts/reference/gguf_fixtures.py) reads back as the
/// script wrote it, as its JSON beside it says; and the real SmolLM2 file reads as llama.cpp describes it.
@Suite struct GGUFTests {
  private struct Expected {
    var json: [String: Any]
    var metadata: [[String: Any]] { json["metadata"] as! [[String: Any]] }
    var tensors: [[String: Any]] { json["tensors"] as! [[String: Any]] }
  }

  private func expected() throws -> Expected {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixture("fixture.gguf.json")))
    return Expected(json: try JSONSerialization.jsonObject(with: data) as! [String: Any])
  }

  /// A value as the script's JSON spells it: integers and floats as decimal text.
  private func value(_ object: [String: Any]) -> GGUFValue {
    let text = object["value"] as? String ?? ""
    switch object["type"] as! String {
    case "uint8": return .uint8(UInt8(text)!)
    case "int8": return .int8(Int8(text)!)
    case "uint16": return .uint16(UInt16(text)!)
    case "int16": return .int16(Int16(text)!)
    case "uint32": return .uint32(UInt32(text)!)
    case "int32": return .int32(Int32(text)!)
    case "uint64": return .uint64(UInt64(text)!)
    case "int64": return .int64(Int64(text)!)
    case "float32": return .float32(Float(text)!)
    case "float64": return .float64(Double(text)!)
    case "bool": return .bool(object["value"] as! Bool)
    case "string": return .string(text)
    case "array": return .array((object["value"] as! [[String: Any]]).map(value))
    case let other: fatalError("unknown type \(other)")
    }
  }

  @Test func fixtureMetadataReadsAsWritten() throws {
    let file = try GGUFFile(contentsOf: fixture("fixture.gguf"))
    let expected = try expected()
    #expect(file.version == expected.json["version"] as! Int)
    #expect(file.alignment == 64 && file.alignment == expected.json["alignment"] as! Int)
    #expect(file.metadata.map(\.key) == expected.metadata.map { $0["key"] as! String })
    for entry in expected.metadata {
      let key = entry["key"] as! String
      #expect(file[key] == value(entry), "\(key)")
    }
    // Spot checks that do not go through the JSON.
    #expect(file["fixture.uint64"] == .uint64(1 << 63 + 5))
    #expect(file["fixture.float32"] == .float32(-0.1))
    #expect(file["fixture.empty_string"] == .string(""))
    #expect(file["fixture.empty_array"] == .array([]))
    #expect(
      file["fixture.nested"] == .array([.array([.int32(1), .int32(2)]), .array([.int32(3)]), .array([])]))
    #expect(file["fixture.missing"] == nil)
  }

  @Test func typedLookups() throws {
    let file = try GGUFFile(contentsOf: fixture("fixture.gguf"))
    #expect(try file.string("general.architecture") == "fixture")
    #expect(try file.string("fixture.string") == "héllo wörld ✓")
    #expect(try file.integer("fixture.uint8") == 200)
    #expect(try file.integer("fixture.int64") == -(1 << 62) - 3)
    #expect(try file.integer("fixture.uint32") == 4_000_000_000)
    #expect(try file.float("fixture.float64") == 0.1)
    #expect(try file.float("fixture.float32") == Double(Float(-0.1)))
    #expect(try file.float("fixture.int16") == -30000)
    #expect(try file.bool("fixture.true") == true)
    #expect(try file.bool("fixture.false") == false)
    #expect(try file.strings("fixture.strings") == ["a", "bc", "", "ünï"])
    #expect(try file.integers("fixture.int32s") == [1, -2, 3])
    #expect(try file.integers("fixture.uint8s") == [0, 255])
    #expect(try file.floats("fixture.float32s") == [0.5, -0.25, 3])
    #expect(try file.floats("fixture.int32s") == [1, -2, 3])
    #expect(try file.floats("fixture.empty_array") == [])
    #expect(try file.string("fixture.missing") == nil)
    #expect(try file.integers("fixture.missing") == nil)

    // Another type throws, naming the file, the key and both types.
    #expect(
      failure { try file.string("fixture.uint8") }
        == #"fixture.gguf: metadata "fixture.uint8" is uint8, not a string"#)
    #expect(
      failure { try file.integer("fixture.uint64") }
        == #"fixture.gguf: metadata "fixture.uint64" is uint64 9223372036854775813, not an integer that fits in Int"#
    )
    #expect(failure { try file.integer("fixture.float32") }?.contains("is float32, not an integer") == true)
    #expect(
      failure { try file.bool("fixture.strings") }?.contains(
        #""fixture.strings" is array of string, not a bool"#) == true)
    #expect(
      failure { try file.strings("fixture.int32s") }
        == #"fixture.gguf: metadata "fixture.int32s" is an array of int32, not of strings (element 0 is int32)"#
    )
    #expect(
      failure { try file.integers("fixture.uint64s") }?.contains("(element 1 is uint64 18446744073709551615)")
        == true)
    #expect(
      failure { try file.floats("fixture.string") }?.contains("is string, not an array of numbers") == true)
    #expect(
      failure { try file.integers("fixture.nested") }?.contains("is an array of array of int32") == true)
  }

  @Test func fixtureTensorsReadAsWritten() throws {
    let file = try GGUFFile(contentsOf: fixture("fixture.gguf"))
    let expected = try expected()
    #expect(file.tensors.map(\.name) == expected.tensors.map { $0["name"] as! String })
    for entry in expected.tensors {
      let name = entry["name"] as! String
      let info = try #require(file.tensor(named: name))
      let dimensions = entry["dimensions"] as! [Int]
      #expect(info.dimensions == dimensions, "\(name)")
      #expect(info.shape == dimensions.reversed(), "\(name)")
      #expect(info.type.rawValue == entry["type"] as! UInt32, "\(name)")
      #expect(info.offset == entry["offset"] as! Int && info.offset % 64 == 0, "\(name)")
      #expect(info.byteCount == entry["byteCount"] as! Int, "\(name)")
      #expect(info.elementCount == dimensions.reduce(1, *), "\(name)")
      let raw = file.bytes(of: info)
      #expect(raw.count == info.byteCount)
      let fileBytes = try ggufFixtureBytes()
      #expect(Array(raw) == Array(fileBytes[info.offset..<info.offset + info.byteCount]), "\(name)")

      guard [.f32, .f16, .bf16].contains(info.type) else { continue }
      let values = (entry["values"] as! [String]).map { Float($0)! }
      let tensor = try file.dequantize(info)
      #expect(tensor.shape == info.shape, "\(name)")
      #expect(tensor.scalars.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
    }
    #expect(file.tensor(named: "f32.matrix")?.shape == [3, 5])
    #expect(file.tensor(named: "q8_0.matrix")?.type == .q8_0)
    #expect(file.tensor(named: "q8_0.matrix")?.byteCount == 2 * 2 * 34)
    #expect(file.tensor(named: "missing") == nil)
  }

  @Test func inMemoryBytesReadAsTheMappedFile() throws {
    let bytes = try ggufFixtureBytes()
    let mapped = try GGUFFile(contentsOf: fixture("fixture.gguf"))
    let copied = try GGUFFile(bytes: bytes, name: "memory.gguf")
    #expect(copied.path == "memory.gguf")
    #expect(copied.metadata == mapped.metadata && copied.tensors == mapped.tensors)
  }

  @Test func tensorTypesMatchGGML() {
    #expect(GGUFTensorType.allCases.count == 15)
    #expect(GGUFTensorType.q4_1.name == "Q4_1" && GGUFTensorType.q6_K.name == "Q6_K")
    #expect(GGUFTensorType.bf16.name == "BF16" && GGUFTensorType.f32.name == "F32")
    let sizes = GGUFTensorType.allCases.map { "\($0.name) \($0.blockElements) \($0.blockBytes)" }
    #expect(
      sizes == [
        "F32 1 4", "F16 1 2", "Q4_0 32 18", "Q4_1 32 20", "Q5_0 32 22", "Q5_1 32 24", "Q8_0 32 34",
        "Q8_1 32 36", "Q2_K 256 84", "Q3_K 256 110", "Q4_K 256 144", "Q5_K 256 176", "Q6_K 256 210",
        "Q8_K 256 292", "BF16 1 2",
      ])
  }

  /// `$ATTN_DECODER`, or where `scripts/fetch-model --decoder` puts SmolLM2; nil when it is missing.
  static let decoderPath: String? = {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache"
    let path = environment["ATTN_DECODER"] ?? cache + "/attentionkit/SmolLM2-135M-Instruct.Q4_1.gguf"
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }()

  @Test(.enabled(if: decoderPath != nil, "the decoder model is not fetched (scripts/fetch-model --decoder)"))
  func smolLM2() throws {
    let file = try GGUFFile(contentsOf: Self.decoderPath!)
    #expect(file.version == 3)
    #expect(file.metadata.count == 33)
    #expect(file.alignment == 32)
    #expect(try file.string("general.architecture") == "llama")
    #expect(try file.integer("llama.block_count") == 30)
    #expect(try file.float("llama.rope.freq_base") == 100000)
    #expect(try file.string("tokenizer.ggml.model") == "gpt2")
    #expect(try file.strings("tokenizer.ggml.tokens")?.count == 49152)
    #expect(try file.strings("tokenizer.ggml.merges")?.count == 48900)
    #expect(file.tensors.count == 272)
    let counts = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
    #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
    let embedding = try #require(file.tensor(named: "token_embd.weight"))
    #expect(embedding.type == .q8_0 && embedding.shape == [49152, 576])
    let query = try #require(file.tensor(named: "blk.0.attn_q.weight"))
    #expect(query.type == .q4_1 && query.shape == [576, 576] && query.byteCount == 576 * 18 * 20)
    let norm = try #require(file.tensor(named: "blk.0.attn_norm.weight"))
    let weights = try file.dequantize(norm)
    #expect(weights.shape == [576] && weights.scalars.allSatisfy(\.isFinite))
  }

  /// The resident bytes (`Rss` in /proc/self/smaps) of the mapping that holds `address`.
  private func residentKiB(ofMappingAt address: UnsafeRawPointer) throws -> Int {
    // /proc files report a size of 0, so they are read to their end.
    let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
    defer { try? handle.close() }
    let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    let target = UInt(bitPattern: address)
    var inside = false
    for line in smaps.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
        let ends = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
        inside = ends.count == 2 && ends[0] <= target && target < ends[1]
      } else if inside, fields.first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
        return kib
      }
    }
    throw CocoaError(.fileReadCorruptFile)
  }

  /// Releasing a tensor's pages gives its resident memory back, and the bytes read the same afterwards.
  @Test(.enabled(if: decoderPath != nil, "the decoder model is not fetched (scripts/fetch-model --decoder)"))
  func releasedPagesLeaveMemoryAndReadTheSame() throws {
    let file = try GGUFFile(contentsOf: Self.decoderPath!)
    let embedding = try #require(file.tensor(named: "token_embd.weight"))
    let bytes = file.bytes(of: embedding)
    let copy = Array(bytes)
    let touched = try residentKiB(ofMappingAt: bytes.baseAddress!)
    #expect(touched * 1024 >= bytes.count, "\(touched) KiB resident after reading \(bytes.count) bytes")
    file.releaseResidentPages(of: embedding)
    let released = try residentKiB(ofMappingAt: bytes.baseAddress!)
    #expect((touched - released) * 1024 >= bytes.count - 2 * 4096, "\(touched) KiB, then \(released) KiB")
    #expect(Array(file.bytes(of: embedding)) == copy)
  }
}
