import CAttentionKernels
import Foundation
import Testing

@testable import AttentionCore

/// ak_quant_matmul on every instruction set this CPU runs, against Float64
/// over the dequantized weights.
///
/// The tight reference takes the activations as the kernel sees them:
/// quantized to 8 bits (ak_quantize_activations) for the integer products,
/// the float inputs for the others. Its bound is 1e-5 · Σ|w·x| per output,
/// room for float32 sums over a few hundred blocks. The loose reference
/// takes the float inputs; the quantization moves each activation by at
/// most d/2 = max|x of its block| / 254, so an output moves by at most
/// Σ_b (max|x|_b / 254) · Σ_{i in b} |w_i|.
@Suite struct QuantizedMatrixTests {
  static let instructionSets = KernelInstructionSet.allCases.filter(\.runsHere)

  /// Byte offsets of the f16 scale fields of a block, set to realistic finite values.
  static func halfFields(_ type: QuantizedMatrix.BlockType) -> [Int] {
    switch type {
    case .q4_0, .q5_0, .q8_0: [0]
    case .q4_1, .q5_1, .q8_1, .q4_K, .q5_K: [0, 2]
    case .q2_K: [80, 82]
    case .q3_K: [108]
    case .q6_K: [208]
    default: []
    }
  }

  static func randomHalf() -> UInt16 {
    let magnitude = Float.random(in: 1e-3...0.05)
    return Float16(Bool.random() ? magnitude : -magnitude).bitPattern
  }

  /// Random blocks for a [rows, columns] matrix, every value finite.
  static func randomWeights(_ type: QuantizedMatrix.BlockType, rows: Int, columns: Int) throws
    -> QuantizedMatrix
  {
    let blockCount = rows * columns / type.blockElements
    var bytes = [UInt8](repeating: 0, count: blockCount * type.blockBytes)
    func store<T>(_ value: T, at offset: Int) {
      withUnsafeBytes(of: value) { for (k, byte) in $0.enumerated() { bytes[offset + k] = byte } }
    }
    switch type {
    case .f32:
      for i in 0..<blockCount { store(Float.random(in: -1...1), at: 4 * i) }
    case .f16:
      for i in 0..<blockCount { store(Float16(Float.random(in: -1...1)).bitPattern, at: 2 * i) }
    case .bf16:
      for i in 0..<blockCount { store(UInt16(Float.random(in: -1...1).bitPattern >> 16), at: 2 * i) }
    default:
      for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
      for block in 0..<blockCount {
        let start = block * type.blockBytes
        if type == .q8_K { store(Float.random(in: 1e-3...0.05), at: start) }
        for offset in halfFields(type) { store(randomHalf(), at: start + offset) }
      }
    }
    return try QuantizedMatrix(type: type, rows: rows, columns: columns, bytes: bytes)
  }

  /// The activations as the integer products see them, dequantized in Float64.
  static func quantizedActivations(_ input: [Float], rows: Int, columns: Int) -> [Double] {
    var qs = [Int8](repeating: 0, count: rows * columns)
    var d = [Float](repeating: 0, count: rows * columns / 32)
    var s = d
    input.withUnsafeBufferPointer { x in
      ak_quantize_activations(x.baseAddress, rows, columns, &qs, &d, &s)
    }
    return qs.indices.map { Double(qs[$0]) * Double(d[$0 / 32]) }
  }

  /// The activations as the interleaved layouts' products see them: 16
  /// bits per block of 32, d = max|x| / 32767, q = x · (1 / d) rounded to
  /// nearest even, written here from that definition; checked against
  /// ak_quantize_activations16 bit for bit (each block its even elements,
  /// then its odd ones), then dequantized in Float64 in element order.
  static func quantizedActivations16(_ input: [Float], rows: Int, columns: Int) -> [Double] {
    var qs = [Int16](repeating: 0, count: rows * columns)
    var d = [Float](repeating: 0, count: rows * columns / 32)
    var s = d
    input.withUnsafeBufferPointer { x in
      ak_quantize_activations16(x.baseAddress, rows, columns, &qs, &d, &s, KernelInstructionSet.portable.cValue)
    }
    // Every instruction set writes the same bits (poisoned first).
    for instructionSet in Self.instructionSets where instructionSet != .portable {
      var (otherQs, otherD) = ([Int16](repeating: .min, count: qs.count), [Float](repeating: .nan, count: d.count))
      var otherS = otherD
      input.withUnsafeBufferPointer { x in
        ak_quantize_activations16(x.baseAddress, rows, columns, &otherQs, &otherD, &otherS, instructionSet.cValue)
      }
      #expect(
        otherQs == qs && otherD.map(\.bitPattern) == d.map(\.bitPattern) && otherS.map(\.bitPattern) == s.map(\.bitPattern),
        "16-bit activations on \(instructionSet)")
    }
    for block in 0..<(rows * columns / 32) {
      let values = input[(32 * block)..<(32 * block + 32)]
      let scale = values.map { abs($0) }.max()! / 32767
      let inverse: Float = scale != 0 ? 1 / scale : 0
      let q = values.map { Int16(max(-32767, min(32767, ($0 * inverse).rounded(.toNearestOrEven)))) }
      // Each block holds its even elements, then its odd ones.
      let slots = (0..<32).map { qs[32 * block + ($0 % 2 == 0 ? $0 / 2 : 16 + $0 / 2)] }
      #expect(d[block] == scale && slots == q, "block \(block)")
      #expect(s[block] == scale * Float(q.reduce(0) { $0 + Int($1) }), "block \(block)")
    }
    return qs.indices.map { index in
      let (block, j) = (index / 32, index % 32)
      return Double(qs[32 * block + (j % 2 == 0 ? j / 2 : 16 + j / 2)]) * Double(d[block])
    }
  }

  /// 1e-5 · Σ|x w| per output, plus, when the activations are rounded
  /// (half a step = max|x| of the block / `halfStepDivisor`), that half
  /// step times Σ|w| over each block.
  static func looseBounds(
    _ magnitudes: [Double], input: [Float], weights: [Float], rows: Int, outputs: Int, columns: Int,
    halfStepDivisor: Double?
  ) -> [Double] {
    var loose = magnitudes.map { 1e-5 * $0 }
    guard let halfStepDivisor else { return loose }
    for n in 0..<rows {
      for o in 0..<outputs {
        for b in 0..<columns / 32 {
          let block = (n * columns + 32 * b)..<(n * columns + 32 * b + 32)
          let step = Double(input[block].map { abs($0) }.max()!) / halfStepDivisor
          let weightSum = (0..<32).reduce(0.0) { $0 + abs(Double(weights[o * columns + 32 * b + $1])) }
          loose[n * outputs + o] += 1.001 * step * weightSum
        }
      }
    }
    return loose
  }

  /// output[n][o] = Σ_i x[n][i] w[o][i] in Float64, and Σ|x w| beside it.
  static func reference(_ weights: [Float], _ input: [Double], rows: Int, outputs: Int, columns: Int)
    -> (values: [Double], magnitudes: [Double])
  {
    var values = [Double](repeating: 0, count: rows * outputs)
    var magnitudes = values
    for n in 0..<rows {
      for o in 0..<outputs {
        var sum = 0.0
        var magnitude = 0.0
        for i in 0..<columns {
          let product = input[n * columns + i] * Double(weights[o * columns + i])
          sum += product
          magnitude += abs(product)
        }
        values[n * outputs + o] = sum
        magnitudes[n * outputs + o] = magnitude
      }
    }
    return (values, magnitudes)
  }

  static func product(
    _ matrix: QuantizedMatrix, _ input: [Float], rows: Int, instructionSet: KernelInstructionSet,
    threads: Int,
    providedScratch: Bool
  ) -> [Float] {
    var output = [Float](repeating: .nan, count: rows * matrix.rows)
    input.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { y in
        if providedScratch {
          let bytes = matrix.scratchByteCount(inputRows: rows, threads: threads)
          let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
          defer { scratch.deallocate() }
          matrix.multiply(
            x, rows: rows, into: y, scratch: scratch, instructionSet: instructionSet, threads: threads)
        } else {
          matrix.multiply(x, rows: rows, into: y, instructionSet: instructionSet, threads: threads)
        }
      }
    }
    return output
  }

  static func expectWithin(
    _ actual: [Float], _ expected: [Double], bounds: [Double], _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let bad = actual.indices.filter { !(abs(Double(actual[$0]) - expected[$0]) <= bounds[$0]) }
    #expect(
      bad.isEmpty,
      "\(what): \(bad.count) of \(actual.count) outputs off, first \(bad.first.map { "\($0): \(actual[$0]) vs \(expected[$0]) ± \(bounds[$0])" } ?? "")",
      sourceLocation: sourceLocation)
  }

  @Test(arguments: QuantizedMatrix.BlockType.allCases, [1, 3, 70])
  func matchesFloat64(type: QuantizedMatrix.BlockType, rows: Int) throws {
    let outputs = 37
    let columns = type.blockElements == 256 ? 512 : 288
    let matrix = try Self.randomWeights(type, rows: outputs, columns: columns)
    let weights = matrix.dequantized().scalars
    #expect(weights.allSatisfy { $0.isFinite })
    let input = (0..<rows * columns).map { _ in Float.random(in: -2...2) }
    let seen =
      type.hasIntegerProduct
      ? Self.quantizedActivations(input, rows: rows, columns: columns) : input.map(Double.init)
    let tight = Self.reference(weights, seen, rows: rows, outputs: outputs, columns: columns)
    let exact = Self.reference(
      weights, input.map(Double.init), rows: rows, outputs: outputs, columns: columns)
    // The loose bound: the quantization step of each activation block times Σ|w| over it.
    let loose = Self.looseBounds(
      tight.magnitudes, input: input, weights: weights, rows: rows, outputs: outputs, columns: columns,
      halfStepDivisor: type.hasIntegerProduct ? 254 : nil)
    var results: [[Float]] = []
    for instructionSet in Self.instructionSets {
      for threads in [1, 2, 3] {
        let output = Self.product(
          matrix, input, rows: rows, instructionSet: instructionSet, threads: threads,
          providedScratch: threads != 2)
        let label = "\(type) [\(outputs), \(columns)] × \(rows) rows, \(instructionSet), \(threads) threads"
        Self.expectWithin(output, tight.values, bounds: tight.magnitudes.map { 1e-5 * $0 + 1e-30 }, label)
        Self.expectWithin(output, exact.values, bounds: loose, label + ", float inputs")
        results.append(output)
      }
    }
    // Every path against the first (portable, one thread).
    for other in results.dropFirst() {
      Self.expectWithin(
        other, results[0].map(Double.init), bounds: tight.magnitudes.map { 2e-5 * $0 }, "paths")
    }
  }

  @Test func theModelShapesSplitAcrossThreads() throws {
    // 576 inputs (SmolLM2's width) and an output count that no chunk divides.
    let matrix = try Self.randomWeights(.q4_1, rows: 1543, columns: 576)
    let input = (0..<576).map { _ in Float.random(in: -1...1) }
    let one = Self.product(
      matrix, input, rows: 1, instructionSet: .detected, threads: 1, providedScratch: false)
    let two = Self.product(
      matrix, input, rows: 1, instructionSet: .detected, threads: 2, providedScratch: true)
    #expect(one == two)
    #expect(one.allSatisfy { $0.isFinite })
  }

  /// Rows interleaved by 8: the layout holds the same blocks (back to
  /// ggml's order, dequantized bit for bit), and the products, one
  /// activation row or many, on every path and thread count, match Float64
  /// over the 16-bit activations the kernel sees (few rows) or the float
  /// ones (AK_QUANT_DENSE_ROWS rows and more), and over the float ones
  /// within the quantization step.
  ///
  /// The shapes cross the dense path's blocks: 320 and 640 inputs are 192
  /// a block and a shorter one; 40 and 136 outputs end in runs of 8 and 16
  /// lanes; 263 rows are two chunks of rows.
  @Test(arguments: [QuantizedMatrix.BlockType.q8_0, .q4_1], [1, 3, 15, 16, 70, 263])
  func interleavedRowsMatchFloat64(type: QuantizedMatrix.BlockType, rows: Int) throws {
    for (outputs, columns) in [(40, 320), (136, 640)] {
      try interleavedRowsMatchFloat64(type: type, rows: rows, outputs: outputs, columns: columns)
    }
  }

  private func interleavedRowsMatchFloat64(
    type: QuantizedMatrix.BlockType, rows: Int, outputs: Int, columns: Int
  ) throws {
    let matrix = try Self.randomWeights(type, rows: outputs, columns: columns)
    let interleaved = try #require(matrix.interleavedByEight())
    #expect(interleaved.isInterleaved && interleaved.interleavedByEight() == nil)
    let weights = matrix.dequantized().scalars
    #expect(interleaved.dequantized().scalars.map(\.bitPattern) == weights.map(\.bitPattern))
    let input = (0..<rows * columns).map { _ in Float.random(in: -2...2) }
    // Few rows meet 16-bit activations; from AK_QUANT_DENSE_ROWS on, the
    // float inputs meet dequantized panels.
    let dense = rows >= Int(AK_QUANT_DENSE_ROWS)
    let seen = dense ? input.map(Double.init) : Self.quantizedActivations16(input, rows: rows, columns: columns)
    let tight = Self.reference(weights, seen, rows: rows, outputs: outputs, columns: columns)
    // Against the float inputs: each activation moves by at most max|x| / 65534 of its block.
    let exact = Self.reference(weights, input.map(Double.init), rows: rows, outputs: outputs, columns: columns)
    let loose = Self.looseBounds(
      tight.magnitudes, input: input, weights: weights, rows: rows, outputs: outputs, columns: columns,
      halfStepDivisor: 65534)
    for instructionSet in Self.instructionSets {
      for threads in [1, 2] {
        let output = Self.product(
          interleaved, input, rows: rows, instructionSet: instructionSet, threads: threads,
          providedScratch: threads == 2)
        let label =
          "\(type) interleaved [\(outputs), \(columns)] × \(rows) rows, \(instructionSet), \(threads) threads"
        Self.expectWithin(output, tight.values, bounds: tight.magnitudes.map { 1e-5 * $0 + 1e-30 }, label)
        Self.expectWithin(output, exact.values, bounds: loose, label + ", float inputs")
      }
    }
  }

  @Test func interleavingNeedsItsTypesAndShapes() throws {
    // Q4_1 needs an even count of blocks a row; both need outputs in eights.
    #expect(try Self.randomWeights(.q4_1, rows: 8, columns: 96).interleavedByEight() == nil)
    #expect(try Self.randomWeights(.q8_0, rows: 8, columns: 96).interleavedByEight() != nil)
    #expect(try Self.randomWeights(.q8_0, rows: 12, columns: 64).interleavedByEight() == nil)
    #expect(try Self.randomWeights(.q4_K, rows: 8, columns: 256).interleavedByEight() == nil)
    #expect(ak_quant_can_interleave(Int32(QuantizedMatrix.BlockType.q4_1.rawValue), 16, 64) == 1)
    var bytes = [UInt8](repeating: 0, count: 64)
    let refused = bytes.withUnsafeMutableBytes {
      ak_quant_interleave(Int32(QuantizedMatrix.BlockType.q4_0.rawValue), $0.baseAddress, 8, 32, $0.baseAddress, 1)
    }
    #expect(refused == -2)
  }

  /// Several matrices against one input in one call give each matrix's
  /// own product, bit for bit, and write nothing past their outputs.
  @Test(arguments: [QuantizedMatrix.BlockType.q8_0, .q4_1, .q4_K, .q6_K, .q5_0], [1, 5, 67])
  func partsEqualSeparateProducts(type: QuantizedMatrix.BlockType, rows: Int) throws {
    let columns = 512
    let sizes = [37, 64, 5, 130]
    let matrices = try sizes.map { try Self.randomWeights(type, rows: $0, columns: columns) }
    let input = (0..<rows * columns).map { _ in Float.random(in: -2...2) }
    for instructionSet in Self.instructionSets {
      // Each output poisoned, with a poisoned float past its end.
      var outputs = sizes.map { [Float](repeating: .nan, count: rows * $0 + 1) }
      let pointers = outputs.indices.map { k in
        UnsafeMutablePointer<Float>.allocate(capacity: outputs[k].count)
      }
      defer { pointers.forEach { $0.deallocate() } }
      for (k, pointer) in pointers.enumerated() {
        pointer.initialize(from: outputs[k], count: outputs[k].count)
      }
      input.withUnsafeBufferPointer {
        QuantizedMatrix.multiply(matrices, $0, rows: rows, into: pointers, instructionSet: instructionSet)
      }
      for k in sizes.indices {
        outputs[k] = Array(UnsafeBufferPointer(start: pointers[k], count: outputs[k].count))
        let alone = Self.product(
          matrices[k], input, rows: rows, instructionSet: instructionSet, threads: 1, providedScratch: false)
        #expect(
          outputs[k].prefix(rows * sizes[k]).map(\.bitPattern) == alone.map(\.bitPattern),
          "\(type) part \(k) of \(sizes[k]) outputs × \(rows) rows, \(instructionSet)")
        #expect(outputs[k].last!.isNaN, "\(type) part \(k): written past its end")
      }
    }
  }

  @Test func refusesBadShapes() throws {
    #expect(throws: AttentionError.self) {
      try QuantizedMatrix(type: .q4_1, rows: 2, columns: 48, bytes: [UInt8](repeating: 0, count: 40))
    }
    #expect(throws: AttentionError.self) {
      try QuantizedMatrix(type: .q4_1, rows: 2, columns: 64, bytes: [UInt8](repeating: 0, count: 79))
    }
    let matrix = try QuantizedMatrix(
      type: .q4_1, rows: 2, columns: 64, bytes: [UInt8](repeating: 0, count: 80))
    do {
      _ = try matrix.multiply(Tensor(repeating: 1, shape: [3, 32]))
      Issue.record("a [3, 32] input was taken for [2, 64] weights")
    } catch let error as AttentionError {
      #expect(error.description.contains("[3, 32]") && error.description.contains("[2, 64]"))
    }
    let product = try matrix.multiply(Tensor(repeating: 1, shape: [3, 64]))
    #expect(product.shape == [3, 2] && product.scalars.allSatisfy { $0 == 0 })
  }
}
