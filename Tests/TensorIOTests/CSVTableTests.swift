import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct CSVTableTests {
  private func decode(_ text: String) throws -> Tensor {
    try TensorFile.decode(Array(text.utf8), format: .csv, name: "m.csv")
  }

  private func decodeFailure(_ text: String) -> String? {
    failure { try decode(text) }
  }

  @Test func readsRowsWithSpacesCommentsAndHeader() throws {
    let text = "\u{FEFF}# attention weights\nq, k ,v\n1, 2.5,-3e-2\r\n\n  # another comment\n4,+5,.5\n"
    #expect(try decode(text) == Tensor(rows: [[1, 2.5, -0.03], [4, 5, 0.5]]))
    #expect(try decode("1,2\n3,4") == Tensor(rows: [[1, 2], [3, 4]]))
  }

  @Test func singleColumnIsStillTwoDimensional() throws {
    #expect(try decode("1\n2\n3\n") == Tensor(shape: [3, 1], scalars: [1, 2, 3]))
  }

  @Test func acceptsNaNAndInfinity() throws {
    let tensor = try decode("nan,inf,-inf\nNaN,-Infinity,INF\n")
    #expect(tensor.shape == [2, 3])
    #expect(tensor.scalars[0].isNaN && tensor.scalars[3].isNaN)
    #expect(
      [tensor.scalars[1], tensor.scalars[2], tensor.scalars[4], tensor.scalars[5]] == [
        .infinity, -.infinity, -.infinity, .infinity,
      ])
  }

  @Test func reportsRaggedRowsAndBadCells() {
    #expect(decodeFailure("1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n") == "m.csv: line 3 has 4 values, line 1 has 5")
    #expect(decodeFailure("1,2,3\n4,5,abc\n") == "m.csv: line 2, column 3: \"abc\" is not a number")
    #expect(decodeFailure("1,2\n3,\n") == "m.csv: line 2, column 2: empty value")
    #expect(
      decodeFailure("1,2\n3,1e40\n") == "m.csv: line 2, column 2: 1e40 is out of the Float32 range (±3.4e38)")
    #expect(decodeFailure("1,2\n0x10,1\n") == "m.csv: line 2, column 1: \"0x10\" is not a number")
    #expect(decodeFailure("a,b,c\n1,2\n") == "m.csv: line 2 has 2 values, the header on line 1 has 3 names")
    // A first row that mixes names and numbers is not a header: it is an error.
    #expect(decodeFailure("x,1\n2,3\n") == "m.csv: line 1, column 1: \"x\" is not a number")
    #expect(decodeFailure("") == "m.csv: no numbers (the file is empty)")
    #expect(decodeFailure("# only a comment\n\n") == "m.csv: no numbers (the file is empty)")
    #expect(decodeFailure("a,b\n") == "m.csv: a header but no rows of numbers")
    #expect(decodeFailure("1,2\nx,y\n") == "m.csv: line 2, column 1: \"x\" is not a number")
  }

  @Test func roundTripsRandomTensors() throws {
    var generator = SeededGenerator(seed: 0x5EED_0003)
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    for trial in 0..<12 {
      let shape = randomShape(rank: trial % 2 + 1, maximum: 17, using: &generator)
      let tensor = randomTensor(shape, using: &generator)
      try TensorFile.write(tensor, to: folder + "/m.csv")
      let back = try TensorFile.read(contentsOf: folder + "/m.csv")
      // A 1-D tensor is written one value per line, as np.savetxt does, and reads back as a column.
      let expected = tensor.rank == 1 ? tensor.reshaped([tensor.count, 1]) : tensor
      #expect(identical(back, expected, nanPayloads: false), "shape \(shape)")
    }
  }

  @Test func writesPlainRowsAndRejectsOtherRanks() throws {
    let bytes = try TensorFile.encode(
      Tensor(rows: [[1, 0.1, -2.5e-7], [.nan, .infinity, 3e38]]), format: .csv)
    #expect(String(decoding: bytes, as: UTF8.self) == "1.0,0.1,-2.5e-07\nnan,inf,3e+38\n")
    #expect(
      failure { try TensorFile.encode(Tensor.zeros([2, 2, 2]), format: .csv) }
        == "tensor: 3-D tensor [2, 2, 2]; CSV holds 1-D or 2-D")
    #expect(
      failure { try TensorFile.encode(Tensor.zeros([0, 2]), format: .csv) }
        == "tensor: empty tensor [0, 2] cannot be written as CSV")
  }
}
