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
    let logits = RandomTensors.uniform([3, 5, 7], in: -8...8)
    let weights = softmax(logits)
    #expect(weights.shape == [3, 5, 7])
    expectClose(weights.scalars, Reference.softmax(logits.scalars.map(Double.init), rowLength: 7))
  }

  @Test func kernelWritesEveryElementOfAPoisonedOutput() {
    let logits = RandomTensors.uniform([11, 13], in: -30...30)
    var output = poisoned(logits.count)
    logits.scalars.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { SoftmaxKernel.rows(input, output: $0, rowLength: 13) }
    }
    expectClose(output, Reference.softmax(logits.scalars.map(Double.init), rowLength: 13))
  }

  @Test func largeInputsSplitAcrossThreadsGiveTheSameRows() {
    // Above ParallelRows.minimumParallelElements, so the threaded path runs.
    let (rows, rowLength) = (301, 1001)
    #expect(rows * rowLength >= ParallelRows.minimumParallelElements)
    let logits = RandomTensors.uniform([rows, rowLength], in: -20...20)
    var output = poisoned(logits.count)
    logits.scalars.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { SoftmaxKernel.rows(input, output: $0, rowLength: rowLength) }
    }
    expectClose(output, Reference.softmax(logits.scalars.map(Double.init), rowLength: rowLength))
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

  @Test func plusInfinityTurnsItsRowIntoNaNAsInPyTorch() {
    let weights = softmax(Tensor(rows: [[.infinity, 1, 2], [1, 2, 3]]))
    #expect((0..<3).allSatisfy { weights[0, $0].isNaN })
    #expect((0..<3).allSatisfy { weights[1, $0].isFinite })
  }

  @Test func expKernelStaysWithinTwoUlps() {
    var worstUlps = 0.0
    for _ in 0..<50_000 {
      let x = Float.random(in: ExpKernel.lowestArgument...0)
      let exact = Foundation.exp(Double(x))
      let error = abs(Double(ExpKernel.nonPositive(x)) - exact)
      worstUlps = max(worstUlps, error / Double(Float(exact).ulp))
    }
    #expect(worstUlps <= 2)
    #expect(ExpKernel.nonPositive(0) == 1)
    #expect(ExpKernel.nonPositive(-100) == 0)
    #expect(ExpKernel.nonPositive(-.infinity) == 0)
    #expect(ExpKernel.nonPositive(.nan).isNaN)
  }
}
