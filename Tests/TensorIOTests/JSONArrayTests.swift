import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct JSONArrayTests {
  private func decode(_ text: String) throws -> Tensor {
    try TensorFile.decode(Array(text.utf8), format: .json, name: "m.json")
  }

  private func decodeFailure(_ text: String) -> String? {
    failure { try decode(text) }
  }

  @Test func readsNestedArrays() throws {
    #expect(try decode("[[1,2],[3,4]]") == Tensor(rows: [[1, 2], [3, 4]]))
    #expect(try decode(" [0.5, -1e-3, 2E+2]\n") == Tensor([0.5, -0.001, 200]))
    #expect(try decode("[[[1],[2]],[[3],[4]]]") == Tensor(shape: [2, 2, 1], scalars: [1, 2, 3, 4]))
    #expect(try decode("[[[[7]]]]") == Tensor(shape: [1, 1, 1, 1], scalars: [7]))
    let special = try decode("[NaN, Infinity, -Infinity, -0]")
    #expect(special.scalars[0].isNaN && special.scalars[1] == .infinity && special.scalars[2] == -.infinity)
    #expect(special.scalars[3].bitPattern == (-0.0 as Float).bitPattern)
  }

  @Test func readsShapeAndDataObjects() throws {
    #expect(
      try decode(#"{"shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]}"#) == Tensor(rows: [[1, 2, 3], [4, 5, 6]]))
    #expect(try decode(#"{"data": [1, 2], "shape": [2]}"#) == Tensor([1, 2]))
    #expect(
      decodeFailure(#"{"shape": [2, 2], "data": [1, 2, 3]}"#)
        == "m.json: \"data\" has 3 numbers, shape [2, 2] needs 4")
    #expect(
      decodeFailure(#"{"shape": [2], "data": [1, 2, 3]}"#)
        == "m.json: \"data\" has more than the 2 numbers the shape needs")
    #expect(
      decodeFailure(#"{"shape": [1, 1, 1, 1, 1], "data": [1]}"#)
        == "m.json: shape has more than 4 axes; at most 4-D")
    #expect(
      decodeFailure(#"{"shape": [1099511627776, 1099511627776], "data": [1]}"#)
        == "m.json: shape has more elements than the file can hold")
    #expect(decodeFailure(#"{"shape": [0], "data": []}"#)?.contains("is not a positive integer") == true)
    #expect(decodeFailure(#"{"data": [1]}"#) == "m.json: the object has no \"shape\"")
    #expect(decodeFailure(#"{"shape": [1], "dtype": "f4"}"#)?.contains("unexpected key \"dtype\"") == true)
  }

  @Test func reportsRaggedAndMalformedArrays() {
    #expect(decodeFailure("[[1,2],[3,4,5]]") == "m.json: ragged array at [1]: 3 elements, expected 2")
    #expect(
      decodeFailure("[[[1,2],[3,4]],[[5,6],[7]]]") == "m.json: ragged array at [1, 1]: 1 element, expected 2")
    #expect(decodeFailure("[[1,2],3]") == "m.json: at [1]: expected an array, found a number")
    #expect(decodeFailure("[1,[2]]") == "m.json: at [1]: expected a number, found an array")
    #expect(decodeFailure("[[1,2],[]]") == "m.json: empty array at [1]")
    #expect(decodeFailure("[]") == "m.json: empty array at []")
    #expect(
      decodeFailure("[[[[[1]]]]]")
        == "m.json: arrays nested deeper than 4 levels at line 1, column 5; at most 4-D")
    #expect(
      decodeFailure("[1,2] x")
        == "m.json: at line 1, column 7: unexpected 'x' where the end of the file after the array was expected"
    )
    #expect(
      decodeFailure("[1,\"2\"]")
        == "m.json: at line 1, column 4: unexpected '\"2\"' where a number was expected")
    #expect(decodeFailure("[1,2,]")?.hasPrefix("m.json: at line 1, column 6: unexpected ']'") == true)
    #expect(decodeFailure("[01]") != nil)
    #expect(decodeFailure("[1.]") != nil)
    #expect(decodeFailure("[+1]") != nil)
    #expect(decodeFailure("[nan]") != nil)
    #expect(
      decodeFailure("[1e39]") == "m.json: at line 1, column 2: 1e39 is out of the Float32 range (±3.4e38)")
    #expect(decodeFailure("[1, 2") == "m.json: unexpected end of file where ',' or ']' was expected")
    #expect(decodeFailure("") == "m.json: no JSON value (the file is empty)")
    #expect(decodeFailure("3") == "m.json: at line 1, column 1: unexpected '3' where '[' or '{' was expected")
  }

  @Test func deepNestingFailsWithoutRecursing() {
    let start = ContinuousClock.now
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(decodeFailure(deep)?.contains("nested deeper than 4 levels") == true)
    let deepObject = "{\"shape\": [1], \"data\": " + String(repeating: "[", count: 100_000)
    #expect(decodeFailure(deepObject) != nil)
    #expect(ContinuousClock.now - start < .seconds(1))
  }

  @Test func roundTripsRandomTensors() throws {
    var generator = SeededGenerator(seed: 0x5EED_0004)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for trial in 0..<16 {
      let tensor = randomTensor(
        randomShape(rank: trial % 4 + 1, maximum: 9, using: &generator), using: &generator)
      try TensorFile.write(tensor, to: folder + "/m.json")
      #expect(
        identical(try TensorFile.read(contentsOf: folder + "/m.json"), tensor, nanPayloads: false),
        "shape \(tensor.shape)")
    }
  }

  /// Several megabytes, so the writer hands its buffer to the file many
  /// times, mid-row included; Foundation's parser reads the same numbers.
  @Test func largeTensorsRoundTripAcrossFlushes() throws {
    var generator = SeededGenerator(seed: 0x5EED_0005)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let tensor = Tensor(
      shape: [3, 301, 401],
      scalars: (0..<3 * 301 * 401).map { _ in Float.random(in: -2...2, using: &generator) * 1e-3 })
    try TensorFile.write(tensor, to: folder + "/big.json")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/big.json"))
    #expect(bytes.count > 3 << 20)
    #expect(identical(try TensorFile.read(contentsOf: folder + "/big.json"), tensor))
    let parsed = try JSONSerialization.jsonObject(with: bytes) as? [[[Double]]]
    #expect(parsed?.flatMap { $0.flatMap { $0 } }.map { Float($0) } == tensor.scalars)
  }

  @Test func writesReadableNestedArraysThatFoundationAccepts() throws {
    let tensor = Tensor(shape: [2, 2, 2], scalars: [1, 0.1, -2, 3e-7, 5, 6, 7, 8])
    let bytes = try TensorFile.encode(tensor, format: .json)
    #expect(
      String(decoding: bytes, as: UTF8.self)
        == "[[[1, 0.1],\n  [-2, 3e-7]],\n [[5, 6],\n  [7, 8]]]\n")
    // An independent parser agrees on the values.
    let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [[[Double]]]
    #expect(parsed?.flatMap { $0.flatMap { $0 } }.map { Float($0) } == tensor.scalars)
    #expect(
      failure { try TensorFile.encode(Tensor(shape: [], scalars: [1]), format: .json) }
        == "tensor: 0-D tensor []; JSON holds 1-D to 4-D")
    #expect(
      try String(decoding: TensorFile.encode(Tensor([.nan, -.infinity]), format: .json), as: UTF8.self)
        == "[NaN, -Infinity]\n")
  }
}
