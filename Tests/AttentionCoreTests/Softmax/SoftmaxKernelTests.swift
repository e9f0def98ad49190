import Foundation
import Testing

@testable import AttentionCore

/// The C kernel on every instruction set this CPU runs, with and without
/// streaming stores, against the plain reference and Float64.
@Suite struct SoftmaxKernelTests {
  static let instructionSets = KernelInstructionSet.allCases.filter(\.runsHere)

  /// Guard elements on both sides of the output, to catch a store past a row.
  private static let guardCount = 16

  /// Runs the kernel into a NaN-poisoned buffer at a random offset (so the
  /// streaming path meets every alignment), and checks that the guard
  /// elements around the output are still NaN.
  private func kernelWeights(
    _ logits: [Float], rowLength: Int, rowValidLengths: [Int]? = nil, instructionSet: KernelInstructionSet,
    streamingStores: Bool, threads: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation
  ) -> [Float] {
    let offset = Int.random(in: 0..<Self.guardCount)
    var buffer = poisoned(logits.count + 2 * Self.guardCount)
    logits.withUnsafeBufferPointer { input in
      buffer.withUnsafeMutableBufferPointer { all in
        let output = UnsafeMutableBufferPointer(rebasing: all[offset..<offset + logits.count])
        let run = { (lengths: UnsafeBufferPointer<Int>?) in
          SoftmaxKernel.rows(
            input, output: output, rowLength: rowLength, rowValidLengths: lengths, threads: threads,
            instructionSet: instructionSet, streamingStores: streamingStores)
        }
        if let rowValidLengths { rowValidLengths.withUnsafeBufferPointer { run($0) } } else { run(nil) }
      }
    }
    let untouched =
      buffer[..<offset].allSatisfy { $0.isNaN } && buffer[(offset + logits.count)...].allSatisfy { $0.isNaN }
    #expect(untouched, "\(instructionSet) wrote outside its output", sourceLocation: sourceLocation)
    return Array(buffer[offset..<offset + logits.count])
  }

  private static func uniform(_ count: Int, in range: ClosedRange<Float>) -> [Float] {
    (0..<count).map { _ in Float.random(in: range) }
  }

  @Test(arguments: [1, 3, 17, 1000, 4097])
  func fusedMatchesPlainReferenceAndFloat64(rowLength: Int) {
    for instructionSet in Self.instructionSets {
      for streamingStores in [false, true] {
        let rows = [1, 3, 7].randomElement()!
        let logits = Self.uniform(rows * rowLength, in: -12...12)
        let fused = kernelWeights(
          logits, rowLength: rowLength, instructionSet: instructionSet, streamingStores: streamingStores)
        let plain = SoftmaxReference.rows(logits, rowLength: rowLength)
        let exact = Reference.softmax(logits.map(Double.init), rowLength: rowLength)
        expectClose(fused, exact)
        expectClose(plain, exact)
        // The plain reference sums a row left to right in Float, so it drifts
        // from Float64 by up to a few 1e-6 on long rows; the kernel sums in lanes.
        expectClose(fused, plain.map(Double.init), relative: 1e-5, absolute: 1e-9)
      }
    }
  }

  @Test(arguments: [1, 3, 17, 1000, 4097])
  func maskedRowsMatchD2lSemantics(rowLength: Int) {
    for instructionSet in Self.instructionSets {
      for streamingStores in [false, true] {
        let rows = [2, 5, 9].randomElement()!
        var logits = Self.uniform(rows * rowLength, in: -12...12)
        let lengths = RandomTensors.validLengths(count: rows, maximum: rowLength)
        // What sits past a valid length must not matter, not even NaN or ∞.
        for (row, length) in lengths.enumerated() where length < rowLength {
          logits[row * rowLength + length] = [Float.nan, .infinity, -.infinity, 1e30].randomElement()!
        }
        let fused = kernelWeights(
          logits, rowLength: rowLength, rowValidLengths: lengths, instructionSet: instructionSet,
          streamingStores: streamingStores)
        let plain = SoftmaxReference.rows(logits, rowLength: rowLength, rowValidLengths: lengths)
        let exact = Reference.maskedSoftmax(
          logits.map(Double.init), rowLength: rowLength, rowValidLengths: lengths)
        expectClose(fused, exact)
        expectClose(plain, exact)
        for (row, length) in lengths.enumerated() {
          let masked = fused[row * rowLength + length..<(row + 1) * rowLength]
          let expectedMasked: Float = length == 0 ? 1 / Float(rowLength) : 0
          #expect(
            masked.allSatisfy { $0 == expectedMasked },
            "\(instructionSet) row \(row) of valid length \(length)")
        }
      }
    }
  }

  @Test func largeLogitsStayFiniteOnEveryPath() {
    let huge: Float = 1e4
    let logits: [Float] = [
      huge, -huge, huge - 1, 0, -huge,
      -huge, -huge, -huge, -huge, -huge,
      huge, huge, huge, huge, huge,
      -huge, -huge + 2, -huge + 1, -huge, -huge + 0.5,
    ]
    let exact = Reference.softmax(logits.map(Double.init), rowLength: 5)
    for instructionSet in Self.instructionSets {
      for streamingStores in [false, true] {
        let weights = kernelWeights(
          logits, rowLength: 5, instructionSet: instructionSet, streamingStores: streamingStores)
        expectClose(weights, exact)
        #expect(weights[5..<10].allSatisfy { $0 == 0.2 })
      }
    }
  }

  @Test func infinitiesAndNaNGiveTheDocumentedRows() {
    let rowLength = 19
    let finite = Self.uniform(rowLength, in: -3...3)
    var plusInfinity = finite
    plusInfinity[Int.random(in: 0..<rowLength)] = .infinity
    var withNaN = finite
    withNaN[Int.random(in: 0..<rowLength)] = .nan
    let allMinusInfinity = [Float](repeating: -.infinity, count: rowLength)
    var someMinusInfinity = finite
    let hidden = Int.random(in: 0..<rowLength)
    someMinusInfinity[hidden] = -.infinity
    let logits = plusInfinity + withNaN + allMinusInfinity + someMinusInfinity + finite
    for instructionSet in Self.instructionSets {
      for streamingStores in [false, true] {
        let weights = kernelWeights(
          logits, rowLength: rowLength, instructionSet: instructionSet, streamingStores: streamingStores)
        let rows = stride(from: 0, to: logits.count, by: rowLength).map { weights[$0..<$0 + rowLength] }
        #expect(rows[0].allSatisfy { $0.isNaN }, "+∞ row on \(instructionSet)")
        #expect(rows[1].allSatisfy { $0.isNaN }, "NaN row on \(instructionSet)")
        #expect(rows[2].allSatisfy { $0.isNaN }, "-∞ row on \(instructionSet)")
        #expect(rows[3][rowLength * 3 + hidden] == 0, "-∞ element on \(instructionSet)")
        let finiteRows = Array(rows[3]) + Array(rows[4])
        let exact = Reference.softmax((someMinusInfinity + finite).map(Double.init), rowLength: rowLength)
        expectClose(finiteRows, exact)
      }
    }
    let plain = SoftmaxReference.rows(logits, rowLength: rowLength)
    #expect(plain[..<(3 * rowLength)].allSatisfy { $0.isNaN })
  }

  @Test func rowsSplitAcrossThreadsMatchFloat64() {
    let (rows, rowLength) = (301, 1001)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let workers = SoftmaxKernel.workerCount(rows: rows, elements: rows * rowLength, requested: nil)
    #expect(cores == 1 || workers > 1, "\(rows)×\(rowLength) runs on \(workers) thread(s)")
    let logits = Self.uniform(rows * rowLength, in: -20...20)
    let lengths = RandomTensors.validLengths(count: rows, maximum: rowLength)
    let exact = Reference.softmax(logits.map(Double.init), rowLength: rowLength)
    let exactMasked = Reference.maskedSoftmax(
      logits.map(Double.init), rowLength: rowLength, rowValidLengths: lengths)
    let instructionSet = Self.instructionSets.last!
    for threads in [nil, 2, 3] {
      for streamingStores in [false, true] {
        let weights = kernelWeights(
          logits, rowLength: rowLength, instructionSet: instructionSet, streamingStores: streamingStores,
          threads: threads)
        expectClose(weights, exact)
        let masked = kernelWeights(
          logits, rowLength: rowLength, rowValidLengths: lengths, instructionSet: instructionSet,
          streamingStores: streamingStores, threads: threads)
        expectClose(masked, exactMasked)
      }
    }
  }

  @Test func workerCountFollowsTheRequestAndTheSize() {
    #expect(SoftmaxKernel.workerCount(rows: 5, elements: 5 * 7, requested: nil) == 1)
    #expect(SoftmaxKernel.workerCount(rows: 1, elements: 1 << 22, requested: nil) == 1)
    #expect(SoftmaxKernel.workerCount(rows: 4096, elements: 4096 * 4096, requested: 2) == 2)
    #expect(SoftmaxKernel.workerCount(rows: 3, elements: 3 * 7, requested: 8) == 3)
  }

  @Test func inPlaceKernelMatchesFloat64() {
    let rowLength = 33
    for instructionSet in Self.instructionSets {
      for streamingStores in [false, true] {
        let logits = Self.uniform(5 * rowLength, in: -9...9)
        var weights = logits
        weights.withUnsafeMutableBufferPointer { buffer in
          SoftmaxKernel.rows(
            UnsafeBufferPointer(buffer), output: buffer, rowLength: rowLength, instructionSet: instructionSet,
            streamingStores: streamingStores)
        }
        expectClose(weights, Reference.softmax(logits.map(Double.init), rowLength: rowLength))
      }
    }
  }
}
