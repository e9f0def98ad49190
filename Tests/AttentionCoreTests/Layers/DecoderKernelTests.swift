import CAttentionKernels
import Foundation
import Testing

@testable import AttentionCore

/// ak_rms_norm and ak_swiglu, on every instruction set this CPU runs,
/// against Float64 written from the definitions, on random rows of odd
/// widths (the vector loops' tails included), outputs poisoned first.
@Suite struct DecoderKernelTests {
  static let instructionSets = KernelInstructionSet.allCases.filter(\.runsHere)

  static func randoms(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
    (0..<count).map { _ in Float.random(in: range) }
  }

  @Test(arguments: instructionSets, [(1, 1), (3, 7), (5, 16), (2, 17), (4, 576), (3, 1001)])
  func rmsNormMatchesFloat64(isa: KernelInstructionSet, shape: (rows: Int, width: Int)) {
    let (rows, width) = shape
    let epsilon: Float = 1e-5
    let hidden = Self.randoms(rows * width, in: -3...3)
    let add = Self.randoms(rows * width, in: -3...3)
    let weight = Self.randoms(width, in: -2...2)
    for adding in [false, true] {
      // Float64 from the definition, over the float32 sums the kernel stores.
      let summed = adding ? zip(hidden, add).map { $0 + $1 } : hidden
      var expected = [Double](repeating: 0, count: rows * width)
      for row in 0..<rows {
        let x = summed[(row * width)..<((row + 1) * width)].map(Double.init)
        let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(width) + Double(epsilon)).squareRoot()
        for column in 0..<width { expected[row * width + column] = Double(weight[column]) * x[column] * scale }
      }
      var stream = hidden
      var output = [Float](repeating: .nan, count: rows * width + 1)
      stream.withUnsafeMutableBufferPointer { stream in
        add.withUnsafeBufferPointer { add in
          output.withUnsafeMutableBufferPointer { output in
            ak_rms_norm(
              stream.baseAddress!, adding ? add.baseAddress : nil, weight, rows, width, epsilon, output.baseAddress!,
              isa.cValue)
          }
        }
      }
      #expect(stream.map(\.bitPattern) == summed.map(\.bitPattern), "\(isa) \(rows)x\(width): the residual sum")
      #expect(output.last!.isNaN, "\(isa) \(rows)x\(width): written past the end")
      let worst = (0..<(rows * width)).map { abs(Double(output[$0]) - expected[$0]) / max(abs(expected[$0]), 1e-3) }
        .max()!
      #expect(worst < 1e-5, "\(isa) \(rows)x\(width) adding \(adding): relative error \(worst)")
    }
  }

  @Test(arguments: instructionSets, [1, 7, 8, 9, 31, 1536 * 3 + 5])
  func swigluMatchesFloat64(isa: KernelInstructionSet, count: Int) {
    // Gates across the range where silu bends, and far out on both sides.
    var gate = Self.randoms(count, in: -12...12)
    if count > 8 {
      gate[0] = -95
      gate[1] = 90
      gate[2] = 0
      gate[3] = -0.0
    }
    let up = Self.randoms(count, in: -4...4)
    let expected = (0..<count).map { i -> Double in
      let g = Double(gate[i])
      return g / (1 + Foundation.exp(-g)) * Double(up[i])
    }
    var output = gate + [.nan]
    output.withUnsafeMutableBufferPointer { ak_swiglu($0.baseAddress!, up, count, isa.cValue) }
    #expect(output.last!.isNaN, "\(isa) \(count): written past the end")
    for i in 0..<count {
      let bound = 1e-6 * abs(Double(gate[i]) * Double(up[i])) + 1e-30
      #expect(
        abs(Double(output[i]) - expected[i]) <= bound,
        "\(isa) \(count): element \(i), gate \(gate[i]), up \(up[i]): \(output[i]) vs \(expected[i])")
    }
  }
}
