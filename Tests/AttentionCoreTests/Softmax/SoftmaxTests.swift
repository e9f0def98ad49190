import Foundation
import Testing

@testable import AttentionCore

@Suite struct SoftmaxTests {
  private func rowSums(_ tensor: Tensor) -> [Double] {
    let rowLength = tensor.shape.last!
    return stride(from: 0, to: tensor.count, by: rowLength).map { start in
      tensor.scalars[start..<start + rowLength].reduce(0.0) { $0 + Double($1) }
    }
  }

  @Test func matchesFloat64ReferenceOnOddShapes() {
    for shape in [[3, 5, 7], [1, 1], [2, 1, 4097], [17, 3]] {
      let logits = RandomTensors.uniform(shape, in: -8...8)
      let weights = softmax(logits)
      #expect(weights.shape == shape)
      expectClose(weights.scalars, Reference.softmax(logits.scalars.map(Double.init), rowLength: shape.last!))
    }
  }

  @Test func intoAnExistingTensorAndInPlaceGiveTheSameWeights() throws {
    let logits = RandomTensors.uniform([7, 1000], in: -30...30)
    let expected = softmax(logits)
    var weights = Tensor(repeating: .nan, shape: [7, 1000])
    try softmax(logits, into: &weights)
    #expect(weights == expected)
    var inPlace = logits
    inPlace.formSoftmax()
    #expect(inPlace == expected)
    // A shared output is copied before it is written, like any Tensor.
    var shared = weights
    let kept = shared
    try softmax(RandomTensors.uniform([7, 1000]), into: &shared)
    #expect(kept == expected)
    #expect(shared != expected)
  }

  @Test func intoATensorOfAnotherShapeThrows() {
    var weights = Tensor.zeros([3, 4])
    expectAttentionError(.shapeMismatch, mentioning: ["[4, 3]", "[3, 4]"]) {
      try softmax(Tensor.zeros([4, 3]), into: &weights)
    }
  }

  @Test func largeInputsGiveTheSameRowsOnAnyThreadCount() throws {
    let logits = RandomTensors.uniform([301, 1001], in: -20...20)
    let expected = Reference.softmax(logits.scalars.map(Double.init), rowLength: 1001)
    let automatic = softmax(logits)
    expectClose(automatic.scalars, expected)
    for threads in [1, 2, 5] {
      #expect(softmax(logits, threads: threads) == automatic)
      var weights = Tensor(repeating: .nan, shape: logits.shape)
      try softmax(logits, into: &weights, threads: threads)
      #expect(weights == automatic)
    }
  }

  @Test func rowsOfPlusMinusTenThousandStayFiniteAndSumToOne() {
    let huge: Float = 1e4
    let logits = Tensor(rows: [
      [huge, -huge, huge - 1, 0, -huge],
      [-huge, -huge, -huge, -huge, -huge],
      [huge, huge, huge, huge, huge],
      [-huge, -huge + 2, -huge + 1, -huge, -huge + 0.5],
    ])
    let weights = softmax(logits)
    let allFinite = weights.scalars.allSatisfy { $0.isFinite }
    #expect(allFinite)
    for sum in rowSums(weights) { #expect(abs(sum - 1) <= 1e-6) }
    expectClose(weights.scalars, Reference.softmax(logits.scalars.map(Double.init), rowLength: 5))
    #expect(weights[1, 0] == 0.2)
  }

  @Test func scalarsAndEmptyRows() {
    #expect(softmax(Tensor(shape: [], scalars: [-3])).scalars == [1])
    #expect(softmax(Tensor.zeros([4, 0])).shape == [4, 0])
    #expect(softmax(Tensor.zeros([0, 4])).count == 0)
  }

  @Test func plusInfinityNaNAndAllMinusInfinityTurnTheirRowIntoNaNAsInPyTorch() {
    let weights = softmax(
      Tensor(rows: [[.infinity, 1, 2], [1, .nan, 3], [-.infinity, -.infinity, -.infinity], [1, 2, 3]]))
    for row in 0..<3 { #expect((0..<3).allSatisfy { weights[row, $0].isNaN }) }
    #expect((0..<3).allSatisfy { weights[3, $0].isFinite })
    let partly = softmax(Tensor([-.infinity, 0, 0]))
    #expect(partly.scalars == [0, 0.5, 0.5])
  }
}
