import CAttentionKernels
import Foundation
import Testing

@testable import AttentionCore

/// The integer products of the k-quants (Q4_K, Q6_K) on every instruction
/// set this CPU runs, at several widths of whole super-blocks, against
/// Float64 over the dequantized weights (see `QuantizedMatrixTests` for the
/// two bounds), and the fast paths against the portable one.
@Suite struct KQuantProductTests {
  typealias Helpers = QuantizedMatrixTests

  static let types: [QuantizedMatrix.BlockType] = [.q4_K, .q6_K]

  /// Float64 references over the quantized and the float activations, with
  /// the bound of each: 1e-5 of Σ|w·x| for the first, plus the activation
  /// rounding (half a step of each block times Σ|w| over it) for the second.
  static func references(_ weights: [Float], _ input: [Float], rows: Int, outputs: Int, columns: Int)
    -> (quantized: [Double], tight: [Double], float: [Double], loose: [Double])
  {
    let seen = Helpers.quantizedActivations(input, rows: rows, columns: columns)
    let quantized = Helpers.reference(weights, seen, rows: rows, outputs: outputs, columns: columns)
    let float = Helpers.reference(
      weights, input.map(Double.init), rows: rows, outputs: outputs, columns: columns)
    let tight = quantized.magnitudes.map { 1e-5 * $0 + 1e-30 }
    var loose = tight
    for n in 0..<rows {
      for b in 0..<columns / 32 {
        let start = n * columns + 32 * b
        let step = Double(input[start..<start + 32].map { abs($0) }.max()!) / 254
        for o in 0..<outputs {
          let weightSum = (0..<32).reduce(0.0) { $0 + abs(Double(weights[o * columns + 32 * b + $1])) }
          loose[n * outputs + o] += 1.001 * step * weightSum
        }
      }
    }
    return (quantized.values, tight, float.values, loose)
  }

  @Test(arguments: types, [256, 768, 1536])
  func matchesFloat64AtEveryWidth(type: QuantizedMatrix.BlockType, columns: Int) throws {
    #expect(type.hasIntegerProduct)
    let outputs = 13
    let matrix = try Helpers.randomWeights(type, rows: outputs, columns: columns)
    let weights = matrix.dequantized().scalars
    #expect(weights.allSatisfy { $0.isFinite })
    for rows in [1, 5, 67] {
      let input = (0..<rows * columns).map { _ in Float.random(in: -2...2) }
      let expected = Self.references(weights, input, rows: rows, outputs: outputs, columns: columns)
      var portable: [Float] = []
      for instructionSet in Helpers.instructionSets {
        for threads in [1, 3] {
          let output = Helpers.product(
            matrix, input, rows: rows, instructionSet: instructionSet, threads: threads,
            providedScratch: threads == 1)
          let label = "\(type) [\(outputs), \(columns)] × \(rows) rows, \(instructionSet), \(threads) threads"
          Helpers.expectWithin(output, expected.quantized, bounds: expected.tight, label)
          Helpers.expectWithin(output, expected.float, bounds: expected.loose, label + ", float inputs")
          if instructionSet == .portable && threads == 1 {
            portable = output
          } else {
            // The same integer sums in another float order.
            Helpers.expectWithin(
              output, portable.map(Double.init), bounds: expected.tight.map { $0 / 5 },
              label + " against portable")
          }
        }
      }
    }
  }

  /// Weights and activations at the ends of their ranges: the int16 pair
  /// sums of the AVX2 kernels must not saturate.
  @Test(arguments: types)
  func extremeBlocksDoNotSaturate(type: QuantizedMatrix.BlockType) throws {
    let columns = 512
    let one = Float16(1).bitPattern
    // Two weight rows of the same super-block, one at each end of the range.
    var blocks = [[UInt8]](repeating: [UInt8](repeating: 0, count: type.blockBytes), count: 2)
    for (row, fill) in [(0, UInt8(0x00)), (1, UInt8(0xFF))] {
      switch type {
      case .q4_K:
        // d = dmin = 1; every 6-bit scale 63, minima 63 (0..3) and 0 (4..7); every nibble 0 or 15.
        for k in [0, 2] { (blocks[row][k], blocks[row][k + 1]) = (UInt8(one & 0xFF), UInt8(one >> 8)) }
        for k in 4..<8 { blocks[row][k] = 0xFF }
        for k in 8..<12 { blocks[row][k] = 0x3F }
        for k in 12..<16 { blocks[row][k] = 0x0F }
        for k in 16..<144 { blocks[row][k] = fill }
      default:
        // d = 1, every scale −128, every q −32 or 31.
        for k in 0..<192 { blocks[row][k] = fill }
        for k in 192..<208 { blocks[row][k] = 0x80 }
        (blocks[row][208], blocks[row][209]) = (UInt8(one & 0xFF), UInt8(one >> 8))
      }
    }
    let bytes = blocks.flatMap { [[UInt8]](repeating: $0, count: columns / 256).flatMap { $0 } }
    let matrix = try QuantizedMatrix(type: type, rows: 2, columns: columns, bytes: bytes)
    let weights = matrix.dequantized().scalars
    // Every quantized activation ±127: one sign for the first row, both for the second.
    let input = (0..<2 * columns).map { i in i < columns || i % 3 != 0 ? Float(1) : -1 }
    let expected = Self.references(weights, input, rows: 2, outputs: 2, columns: columns)
    for instructionSet in Helpers.instructionSets {
      let output = Helpers.product(
        matrix, input, rows: 2, instructionSet: instructionSet, threads: 1, providedScratch: false)
      Helpers.expectWithin(output, expected.quantized, bounds: expected.tight, "\(type), \(instructionSet)")
    }
  }
}
