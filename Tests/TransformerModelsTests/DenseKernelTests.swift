import AttentionCore
import AttentionTestSupport
import Foundation
import Testing

@testable import TransformerModels

/// The dense kernel behind `DenseLayer` on every instruction set this CPU
/// runs, against a Float64 product, on random odd sizes.
@Suite struct DenseKernelTests {
  private static let instructionSets = KernelInstructionSet.allCases.filter(\.runsHere)

  private static let sizes: [(rows: Int, inputs: Int, outputs: Int)] = [1, 7, 37, 130].flatMap { rows in
    [19, 384].flatMap { inputs in [5, 67, 1152].map { (rows, inputs, $0) } }
  }

  /// Uniform in [-1, 1), rounded to Float.
  private static func randomScalars(_ count: Int, using random: inout BertTestRandom) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1..<1, using: &random) }
  }

  private static func check(
    rows: Int, inputs: Int, outputs: Int, addingBias: Bool, instructionSet: KernelInstructionSet,
    threads: Int?,
    seed: UInt64
  ) {
    var random = BertTestRandom(seed: seed)
    let weight = randomScalars(outputs * inputs, using: &random)
    let bias = randomScalars(outputs, using: &random)
    let input = randomScalars(rows * inputs, using: &random)
    let layer = DenseLayer(
      weight: Tensor(shape: [outputs, inputs], scalars: weight), bias: Tensor(shape: [outputs], scalars: bias)
    )

    var output = [Float](repeating: .nan, count: rows * outputs)
    input.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { output in
        layer.multiply(
          input, rows: rows, into: output, addingBias: addingBias, instructionSet: instructionSet,
          threads: threads)
      }
    }

    var worstError = 0.0
    var worstTolerance = 0.0
    var failures = 0
    for n in 0..<rows {
      for o in 0..<outputs {
        var sum = addingBias ? Double(bias[o]) : 0
        var magnitude = addingBias ? abs(Double(bias[o])) : 0
        for i in 0..<inputs {
          let term = Double(input[n * inputs + i]) * Double(weight[o * inputs + i])
          sum += term
          magnitude += abs(term)
        }
        // The worst-case bound of a Float32 sum of I + 1 terms, u·(I + 1)·Σ|term| with u = 2⁻²⁴, doubled.
        let tolerance = 1.2e-7 * Double(inputs + 1) * max(magnitude, 1e-6)
        let error = abs(Double(output[n * outputs + o]) - sum)
        // NaN compares false, so a slot the kernel never wrote counts as a failure.
        if !(error <= tolerance) {
          failures += 1
        }
        if error > worstError || error.isNaN { worstError = error }
        worstTolerance = max(worstTolerance, tolerance)
      }
    }
    #expect(
      failures == 0,
      "[\(rows), \(inputs)]·[\(outputs), \(inputs)]ᵀ \(instructionSet), bias \(addingBias), threads \(threads.map(String.init) ?? "auto"): \(failures) wrong, worst error \(worstError)"
    )
  }

  @Test(arguments: KernelInstructionSet.allCases)
  func matchesFloat64Product(instructionSet: KernelInstructionSet) {
    guard instructionSet.runsHere else { return }
    for (index, size) in Self.sizes.enumerated() {
      for addingBias in [false, true] {
        Self.check(
          rows: size.rows, inputs: size.inputs, outputs: size.outputs, addingBias: addingBias,
          instructionSet: instructionSet, threads: 1,
          seed: 0xDE45_0000 + UInt64(index) * 2 + (addingBias ? 1 : 0))
      }
    }
  }

  /// Several threads take the (panel, row chunk) items; each slot must still be written once, correctly.
  @Test(arguments: KernelInstructionSet.allCases)
  func matchesFloat64ProductOnSeveralThreads(instructionSet: KernelInstructionSet) {
    guard instructionSet.runsHere else { return }
    for (rows, inputs, outputs) in [(130, 384, 1152), (37, 19, 67), (200, 45, 131)] {
      Self.check(
        rows: rows, inputs: inputs, outputs: outputs, addingBias: true, instructionSet: instructionSet,
        threads: 3,
        seed: 0xDE46_0000 + UInt64(rows))
    }
  }

  /// `multiply(_:)` on a tensor is the product without the bias, shaped [N, O].
  @Test func tensorProductLeavesOutBias() {
    var random = BertTestRandom(seed: 0xDE47_0001)
    let (rows, inputs, outputs) = (9, 23, 71)
    let weight = Self.randomScalars(outputs * inputs, using: &random)
    let input = Self.randomScalars(rows * inputs, using: &random)
    let layer = DenseLayer(
      weight: Tensor(shape: [outputs, inputs], scalars: weight),
      bias: Tensor(shape: [outputs], scalars: Self.randomScalars(outputs, using: &random)))
    let product = layer.multiply(Tensor(shape: [rows, inputs], scalars: input))
    #expect(product.shape == [rows, outputs])
    #expect(product.scalars.allSatisfy { $0.isFinite })
    let reference = (0..<rows).flatMap { n in
      (0..<outputs).map { o in
        (0..<inputs).reduce(0.0) { $0 + Double(input[n * inputs + $1]) * Double(weight[o * inputs + $1]) }
      }
    }
    let error = maximumDifference(product.scalars, reference)
    #expect(error < 1e-5, "product differs by \(error)")
  }

  /// The GELU epilogue, on every path and on several threads: the same as the
  /// plain `GELU.apply` on the kernel's own product (the erf fit is shared),
  /// and within the fit's error of GELU on the Float64 product.
  @Test(arguments: KernelInstructionSet.allCases)
  func geluEpilogueMatchesThePlainGELU(instructionSet: KernelInstructionSet) {
    guard instructionSet.runsHere else { return }
    var random = BertTestRandom(seed: 0xDE48_0000)
    let (rows, inputs, outputs) = (37, 45, 131)
    let weight = Self.randomScalars(outputs * inputs, using: &random).map { $0 * 0.5 }
    let bias = Self.randomScalars(outputs, using: &random)
    let input = Self.randomScalars(rows * inputs, using: &random)
    let layer = DenseLayer(
      weight: Tensor(shape: [outputs, inputs], scalars: weight), bias: Tensor(shape: [outputs], scalars: bias)
    )
    for threads in [1, 3] {
      var activated = [Float](repeating: .nan, count: rows * outputs)
      var product = [Float](repeating: .nan, count: rows * outputs)
      input.withUnsafeBufferPointer { input in
        activated.withUnsafeMutableBufferPointer { output in
          layer.multiply(
            input, rows: rows, into: output, addingBias: true, gelu: true, instructionSet: instructionSet,
            threads: threads)
        }
        product.withUnsafeMutableBufferPointer { output in
          layer.multiply(
            input, rows: rows, into: output, addingBias: false, instructionSet: instructionSet,
            threads: threads)
        }
      }
      var reference = Tensor(shape: [rows, outputs], scalars: product)
      GELU.apply(&reference, bias: Tensor(shape: [outputs], scalars: bias))
      var failures = 0
      for n in 0..<rows {
        for o in 0..<outputs {
          var x = Double(bias[o])
          for i in 0..<inputs { x += Double(input[n * inputs + i]) * Double(weight[o * inputs + i]) }
          let exact = x * 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot()))
          let value = activated[n * outputs + o]
          // Bias added at the store instead of first: a rounding apart from the plain pass.
          let plain = reference.scalars[n * outputs + o]
          if !(abs(value - plain) <= 4e-7 * max(1, abs(plain))) || !(abs(Double(value) - exact) <= 2e-6) {
            failures += 1
          }
        }
      }
      #expect(failures == 0, "\(instructionSet), \(threads) threads: \(failures) values off")
    }
  }
}
