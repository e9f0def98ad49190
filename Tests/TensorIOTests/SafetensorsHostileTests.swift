import Tensors
import Foundation
import Testing

@testable import TensorIO

/// Malformed safetensors files, each built by hand: every one is refused with a
/// `TensorIOError` that names the file and says what is wrong.
@Suite struct SafetensorsHostileTests {
  private let twoTensors =
    "{" + tensorEntry("a", shape: [2], offsets: (0, 8)) + ", "
    + tensorEntry("b", shape: [1], offsets: (8, 12)) + "}"
  private var twoTensorData: [UInt8] { float32Bytes([1, 2, 3]) }

  private func expectFailure(
    header: String, data: [UInt8] = [], containing phrase: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let message = safetensorsFailure(safetensorsBytes(header: header, data: data))
    #expect(
      message?.hasPrefix("bad.safetensors: ") == true, "\(message ?? "opened")",
      sourceLocation: sourceLocation)
    #expect(
      message?.contains(phrase) == true, "expected \"\(phrase)\" in: \(message ?? "opened")",
      sourceLocation: sourceLocation)
  }

  @Test func everyTruncationIsRefused() throws {
    let whole = try SafetensorsFile.encode(
      tensors: [("a", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])), ("b", .ones([1]))],
      metadata: ["format": "pt"])
    #expect(safetensorsFailure(whole) == nil)
    for length in 0..<whole.count {
      let message = safetensorsFailure(Array(whole[0..<length]))
      #expect(
        message?.hasPrefix("bad.safetensors: ") == true, "prefix of \(length) bytes: \(message ?? "opened")")
    }
    // One byte too many is a hole in the data section.
    #expect(safetensorsFailure(whole + [0])?.contains("1 bytes belong to no tensor") == true)
  }

  @Test func headerLengthBeyondTheFile() {
    let bytes = safetensorsBytes(header: twoTensors, data: twoTensorData, declaredLength: 1 << 40)
    #expect(
      safetensorsFailure(bytes)
        == "bad.safetensors: header length 1099511627776 exceeds the \(bytes.count - 8) bytes after the length field"
    )
    let maximal = safetensorsBytes(header: twoTensors, data: twoTensorData, declaredLength: UInt64.max)
    #expect(safetensorsFailure(maximal)?.contains("header length 18446744073709551615 exceeds") == true)
  }

  @Test func headerLengthOverTheCapInASparseFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/huge.safetensors"
    let declared = SafetensorsHeader.maximumLength + 1
    _ = FileManager.default.createFile(
      atPath: path, contents: Data(safetensorsBytes(header: "{", declaredLength: UInt64(declared))))
    // A sparse file big enough to hold the declared header: the cap, not the size, must refuse it.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(8 + declared + 16))
    try handle.close()
    #expect(
      failure { try SafetensorsFile(contentsOf: path) }
        == "huge.safetensors: header length \(declared) exceeds the limit of \(SafetensorsHeader.maximumLength) bytes"
    )
  }

  @Test func offsetsOutsideTheDataSection() {
    expectFailure(
      header: "{" + tensorEntry("a", shape: [2], offsets: (4, 12)) + "}", data: float32Bytes([1, 2]),
      containing: #"tensor "a": data_offsets [4, 12] reach past the 8-byte data section"#)
    expectFailure(
      header: "{" + tensorEntry("a", shape: [0], offsets: (9, 9)) + "}", data: float32Bytes([1, 2]),
      containing: "reach past the 8-byte data section")
    expectFailure(
      header: "{" + tensorEntry("a", shape: [2], offsets: (8, 0)) + "}", data: float32Bytes([1, 2]),
      containing: #"tensor "a": data_offsets [8, 0] end before they begin"#)
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}"#,
      containing: "data_offsets [-8, 0] are not whole numbers >= 0")
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 99999999999999999999]}}"#,
      containing: "are not whole numbers >= 0")
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}"#, data: float32Bytes([1]),
      containing: "data_offsets is not an array of two numbers")
  }

  @Test func overlapsAndGaps() {
    expectFailure(
      header: "{" + tensorEntry("a", shape: [2], offsets: (0, 8)) + ", "
        + tensorEntry("b", shape: [2], offsets: (4, 12))
        + "}",
      data: float32Bytes([1, 2, 3]), containing: #"tensors "a" [0, 8] and "b" [4, 12] overlap"#)
    expectFailure(
      header: "{" + tensorEntry("a", shape: [1], offsets: (0, 4)) + ", "
        + tensorEntry("b", shape: [1], offsets: (0, 4))
        + "}",
      data: float32Bytes([1]), containing: "overlap")
    expectFailure(
      header: "{" + tensorEntry("a", shape: [1], offsets: (0, 4)) + ", "
        + tensorEntry("b", shape: [1], offsets: (8, 12))
        + "}",
      data: float32Bytes([1, 2, 3]), containing: #"bytes 4..<8 belong to no tensor (before "b")"#)
    expectFailure(
      header: "{" + tensorEntry("a", shape: [1], offsets: (4, 8)) + "}", data: float32Bytes([1, 2]),
      containing: #"bytes 0..<4 belong to no tensor (before "a")"#)
  }

  @Test func byteCountMustMatchTheShape() {
    let name = "encoder.layer.0.attention.self.query.weight"
    expectFailure(
      header: "{" + tensorEntry(name, shape: [384, 384], offsets: (0, 8)) + "}", data: float32Bytes([1, 2]),
      containing:
        #"tensor "\#(name)" has 8 bytes (data_offsets [0, 8]) for shape [384, 384] F32 (589824 expected)"#)
    expectFailure(
      header: "{" + tensorEntry("h", dtype: "F16", shape: [3], offsets: (0, 4)) + "}", data: [0, 0, 0, 0],
      containing: "for shape [3] F16 (6 expected)")
  }

  @Test func hugeShapesOverflowWithoutAllocating() {
    expectFailure(
      header: "{" + tensorEntry("big", shape: [1 << 62, 1 << 62], offsets: (0, 4)) + "}",
      data: float32Bytes([1]),
      containing: #"tensor "big": shape [4611686018427387904, 4611686018427387904] of F32 needs more bytes"#)
    expectFailure(
      header: "{" + tensorEntry("big", shape: [Int.max, 2, 0], offsets: (0, 0)) + "}",
      containing: "needs more bytes than fit in an Int")
    expectFailure(
      header: "{" + tensorEntry("wide", shape: [1_000_000_000, 1_000_000_000], offsets: (0, 4)) + "}",
      data: float32Bytes([1]), containing: "(4000000000000000000 expected)")
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 4]}}"#, data: float32Bytes([1]),
      containing: #"tensor "a": shape holds 2.5, not a whole number >= 0"#)
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [1e3], "data_offsets": [0, 4]}}"#, data: float32Bytes([1]),
      containing: "shape holds 1e3")
    expectFailure(
      header: #"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, data: float32Bytes([1]),
      containing: "shape holds -1")
  }

  @Test func unknownDTypeIsNamed() {
    expectFailure(
      header: "{" + tensorEntry("w", dtype: "F4", shape: [2], offsets: (0, 1)) + "}", data: [0],
      containing: #"tensor "w" has unknown dtype "F4"; known: BOOL, U8, I8"#)
    expectFailure(
      header: #"{"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}"#, data: float32Bytes([1]),
      containing: #"tensor "w": dtype is a number, not a string"#)
  }

  @Test func fieldsMissingUnknownOrRepeated() {
    expectFailure(
      header: #"{"w": {"dtype": "F32", "shape": [0]}}"#, containing: #"tensor "w" lacks data_offsets"#)
    expectFailure(header: #"{"w": {}}"#, containing: "lacks dtype, shape, data_offsets")
    expectFailure(
      header: #"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0], "stride": [1]}}"#,
      containing: #"tensor "w" has an unknown field "stride""#)
    expectFailure(
      header: #"{"w": {"dtype": "F32", "dtype": "F16", "shape": [0], "data_offsets": [0, 0]}}"#,
      containing: #"tensor "w" has "dtype" twice"#)
    expectFailure(header: #"{"w": [1, 2]}"#, containing: #"tensor "w" is an array, not an object"#)
    expectFailure(
      header: #"{"": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}"#, containing: "empty name")
  }

  @Test func duplicateNames() {
    expectFailure(
      header: "{" + tensorEntry("a", shape: [1], offsets: (0, 4)) + ", "
        + tensorEntry("a", shape: [1], offsets: (4, 8))
        + "}",
      data: float32Bytes([1, 2]), containing: #"tensor "a" appears twice in the header"#)
    expectFailure(
      header: #"{"__metadata__": {}, "__metadata__": {}}"#, containing: #""__metadata__" appears twice"#)
    expectFailure(
      header: #"{"__metadata__": {"k": "1", "k": "2"}}"#,
      containing: #""__metadata__" entry "k" appears twice"#)
  }

  @Test func metadataMustBeStrings() {
    expectFailure(
      header: #"{"__metadata__": {"epoch": 3}}"#,
      containing: #""__metadata__" entry "epoch" is a number, not a string"#)
    expectFailure(header: #"{"__metadata__": ["pt"]}"#, containing: "is an array, not an object of strings")
  }

  @Test(arguments: [
    ("", "header does not start with '{' (its length is 0)"),
    ("[]", "header does not start with '{'"),
    (" {}", "header does not start with '{'"),
    ("{", "expected a member name in quotes, found the end at byte 1"),
    (#"{"a" 1}"#, "expected ':', found '1' at byte 5"),
    (#"{"a": {"dtype": "F32",}}"#, "expected a member name in quotes, found '}'"),
    (#"{"a": [1 2]}"#, "expected ',' or ']', found '2' at byte 9"),
    (#"{"a": tru}"#, "expected a JSON value, found 't' at byte 6"),
    (#"{"a": 01}"#, "expected ',' or '}', found '1' at byte 7"),
    (#"{"a": 1.}"#, "expected a digit after '.'"),
    (#"{"a": "\x"}"#, #"expected one of \" \\ \/ \b \f \n \r \t \u"#),
    (#"{"a": "\u12G4"}"#, "expected four hexadecimal digits after \\u"),
    (#"{"a": "\ud800x"}"#, "expected a low surrogate after \\uD800"),
    (#"{"a": "\udc00"}"#, "lone low surrogate \\uDC00"),
    ("{\"a\": \"tab\there\"}", "expected no control character inside a string, found byte 0x9"),
    (#"{} {}"#, "expected the end of the header, found '{' at byte 3"),
    ("{\"\u{7F}\": 1,}", "expected a member name in quotes"),
  ])
  func badJSON(header: String, phrase: String) {
    expectFailure(header: header, containing: phrase)
  }

  @Test func invalidUTF8InAName() {
    var bytes = safetensorsBytes(header: #"{"a?": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}"#)
    bytes[11] = 0xC3  // a lead byte with no continuation
    #expect(safetensorsFailure(bytes)?.contains("is not valid UTF-8") == true)
  }

  @Test func deepNestingIsRefusedNotRecursed() {
    let depth = 200_000
    let header =
      #"{"__metadata__": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
      + "}"
    let message = safetensorsFailure(safetensorsBytes(header: header))
    #expect(message?.contains("header nests deeper than \(HeaderJSONParser.maximumDepth) levels") == true)
  }

  @Test func trailingSpacesAndEmptyFilesAreValid() throws {
    let padded = try SafetensorsFile(
      bytes: safetensorsBytes(header: twoTensors + "      ", data: twoTensorData))
    #expect(try padded.tensor(named: "b").scalars == [3])
    let empty = try SafetensorsFile(bytes: safetensorsBytes(header: "{}"))
    #expect(empty.tensors.isEmpty && empty.metadata.isEmpty)
  }
}
