import Testing

@testable import AttentionCore

@Suite struct TensorShapeTests {
  @Test func transposedLastTwoSwapsEveryIndexPair() {
    let tensor = RandomTensors.uniform([3, 2, 5, 7])
    let transposed = tensor.transposedLastTwo()
    #expect(transposed.shape == [3, 2, 7, 5])
    for a in 0..<3 {
      for b in 0..<2 {
        for i in 0..<5 {
          for j in 0..<7 where transposed[a, b, j, i] != tensor[a, b, i, j] {
            Issue.record("element [\(a), \(b), \(j), \(i)] differs")
          }
        }
      }
    }
    #expect(transposed.transposedLastTwo() == tensor)
  }

  @Test func transposedLastTwoOfAMatrixAndOfEmptyAxes() {
    let matrix = Tensor(rows: [[1, 2, 3], [4, 5, 6]])
    #expect(matrix.transposedLastTwo() == Tensor(rows: [[1, 4], [2, 5], [3, 6]]))
    #expect(Tensor.zeros([4, 0, 3]).transposedLastTwo().shape == [4, 3, 0])
    #expect(Tensor.zeros([0, 2, 3]).transposedLastTwo().shape == [0, 3, 2])
  }
}

@Suite struct TensorScalarsTests {
  @Test func elementsChangeInPlaceAndTheirCountStays() {
    var tensor = RandomTensors.uniform([3, 7])
    let before = tensor.scalars
    tensor.withUnsafeMutableScalars { buffer in
      for index in buffer.indices { buffer[index] = buffer[index] * 2 + 1 }
    }
    #expect(tensor.shape == [3, 7] && tensor.count == 21)
    #expect(tensor.scalars == before.map { $0 * 2 + 1 })
    tensor[2, 6] = -1
    #expect(tensor.scalars[20] == -1)
  }
}
