import Testing

@testable import AttentionCore

@Suite struct TensorElementwiseTests {
  @Test func mapScaledAndZipped() throws {
    let a = RandomTensors.uniform([3, 5])
    let b = RandomTensors.uniform([3, 5])
    #expect(a.map { $0 * $0 }.scalars == a.scalars.map { $0 * $0 })
    #expect(a.scaled(by: -0.5).scalars == a.scalars.map { $0 * -0.5 })
    let sum = try a.zipped(with: b, +)
    #expect(sum.shape == [3, 5])
    #expect(sum.scalars == zip(a.scalars, b.scalars).map { $0 + $1 })
  }

  @Test func zippedNamesBothShapesWhenTheyDiffer() {
    #expect {
      _ = try Tensor.zeros([3, 5]).zipped(with: .zeros([5, 3]), +)
    } throws: { error in
      let description = (error as? TensorShapeError)?.description ?? ""
      return description.contains("[3, 5]") && description.contains("[5, 3]")
    }
  }
}
