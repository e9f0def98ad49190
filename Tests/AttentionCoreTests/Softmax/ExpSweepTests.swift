import Dispatch
import Foundation
import Testing

@testable import AttentionCore

/// `exp` on every one of the 2^32 float inputs, against `exp` in double
/// precision, for every instruction set this CPU runs: about a minute each
/// on two cores, so it runs only when asked for.
@Suite struct ExpSweepTests {
  static let enabled = ProcessInfo.processInfo.environment["ATTN_EXP_SWEEP"] == "1"

  @Test(
    .enabled(if: enabled, "the sweep over every float takes minutes; ATTN_EXP_SWEEP=1 runs it"),
    arguments: KernelInstructionSet.available)
  func everyFloatIsWithinTwoUlpsAndNaNStaysNaN(instructionSet: KernelInstructionSet) {
    let errors = ExpErrorSweep.run(instructionSet: instructionSet)
    print(
      "exp sweep (\(instructionSet.rawValue)): max \(errors.all.ulps) ulp at x = \(errors.all.at); "
        + "x <= 0: max \(errors.nonPositive.ulps) ulp at x = \(errors.nonPositive.at); "
        + "NaN mismatches: \(errors.nanMismatches)")
    #expect(errors.all.ulps <= 2, "x = \(errors.all.at)")
    #expect(errors.nanMismatches == 0)
  }

  /// The measure itself, on values whose error is known.
  @Test func ulpErrorCountsInUlpsOfTheRoundedResult() {
    #expect(ExpErrorSweep.ulpError(1, exact: 1) == 0)
    #expect(ExpErrorSweep.ulpError(Float(1).nextUp, exact: 1) == 1)
    #expect(abs(ExpErrorSweep.ulpError(2, exact: 2 + 0.5 * Double(Float(2).ulp)) - 0.5) < 1e-12)
    #expect(ExpErrorSweep.ulpError(.infinity, exact: 1e300) == 0)
    #expect(ExpErrorSweep.ulpError(3, exact: 1e300) == .infinity)
  }
}

/// The error of the vectorised exp over all 2^32 float inputs.
enum ExpErrorSweep {
  struct Worst {
    var ulps = 0.0
    var at: Float = 0

    mutating func record(_ ulps: Double, at x: Float) {
      if ulps > self.ulps { (self.ulps, self.at) = (ulps, x) }
    }
  }

  struct Errors {
    var all = Worst()
    var nonPositive = Worst()
    /// Inputs where exactly one of the input and the result is NaN.
    var nanMismatches = 0
  }

  static let chunkBits = 20

  static func run(instructionSet: KernelInstructionSet) -> Errors {
    let threads = ProcessInfo.processInfo.activeProcessorCount
    let chunkCount = 1 << (32 - chunkBits)
    var perThread = [Errors](repeating: Errors(), count: threads)
    perThread.withUnsafeMutableBufferPointer { slots in
      // Each worker writes only its own slot.
      nonisolated(unsafe) let slots = slots
      DispatchQueue.concurrentPerform(iterations: threads) { worker in
        var errors = Errors()
        for chunk in stride(from: worker, to: chunkCount, by: threads) {
          sweep(chunk: chunk, instructionSet: instructionSet, into: &errors)
        }
        slots[worker] = errors
      }
    }
    return perThread.reduce(into: Errors()) { total, errors in
      total.all.record(errors.all.ulps, at: errors.all.at)
      total.nonPositive.record(errors.nonPositive.ulps, at: errors.nonPositive.at)
      total.nanMismatches += errors.nanMismatches
    }
  }

  private static func sweep(chunk: Int, instructionSet: KernelInstructionSet, into errors: inout Errors) {
    let first = UInt32(chunk << chunkBits)
    let inputs = (0..<UInt32(1 << chunkBits)).map { Float(bitPattern: first &+ $0) }
    var results = [Float](repeating: .nan, count: inputs.count)
    inputs.withUnsafeBufferPointer { input in
      results.withUnsafeMutableBufferPointer { output in
        ExpKernel.apply(input, output: output, instructionSet: instructionSet)
      }
    }
    for (x, y) in zip(inputs, results) {
      if x.isNaN || y.isNaN {
        if x.isNaN != y.isNaN { errors.nanMismatches += 1 }
        continue
      }
      let ulps = ulpError(y, exact: Foundation.exp(Double(x)))
      errors.all.record(ulps, at: x)
      if x <= 0 { errors.nonPositive.record(ulps, at: x) }
    }
  }

  /// `|value - exact|` in ulps of `exact` rounded to Float.
  static func ulpError(_ value: Float, exact: Double) -> Double {
    let rounded = Float(exact)
    if rounded.isInfinite { return value == rounded ? 0 : .infinity }
    let ulp = Double(rounded.magnitude.nextUp - rounded.magnitude)
    return abs(Double(value) - exact) / ulp
  }
}
