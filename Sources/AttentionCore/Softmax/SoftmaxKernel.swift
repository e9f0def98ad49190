import CAttentionKernels
import Dispatch
import Foundation

/// Row-wise softmax over caller memory: the C kernel of `softmax_kernels.h`
/// (max pass, exp-and-sum pass over the cache-resident row, scaling pass),
/// with rows split across threads for large inputs.
enum SoftmaxKernel {
  /// The logit d2l's `masked_softmax` puts at masked positions. Finite on
  /// purpose: a row whose keys are all masked becomes uniform, not NaN.
  static let maskedLogit: Float = AK_MASKED_LOGIT

  /// Inputs below this many elements run on the calling thread: waking a
  /// worker costs more than the few microseconds such a softmax takes.
  static let minimumParallelElements = 1 << 18

  /// Outputs from this size on are written with streaming stores. Larger
  /// than most L2 and many L3 caches, so the output would leave the cache
  /// before anyone reads it; smaller outputs (a transformer layer's
  /// attention weights) stay cached for the matmul that follows.
  static let streamingThresholdBytes = 16 << 20

  /// Softmax of consecutive rows of `rowLength` elements, optionally masked.
  ///
  /// - Parameters:
  ///   - input: `(rows, rowLength)`.
  ///   - output: `(rows, rowLength)`; every element is written. May be the
  ///     same memory as `input`, but not partly overlap it.
  ///   - rowValidLengths: `(rows,)`, each in `0...rowLength`: elements at
  ///     index >= the length count as `maskedLogit`. `nil`: no mask.
  ///   - threads: how many threads share the rows; `nil` picks by size.
  ///   - instructionSet: the kernel path; lowered to what the CPU runs.
  ///   - streamingStores: write the output past the caches; `nil` decides
  ///     by size (`streamingThresholdBytes`).
  static func rows(
    _ input: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>, rowLength: Int,
    rowValidLengths: UnsafeBufferPointer<Int>? = nil, threads: Int? = nil,
    instructionSet: KernelInstructionSet = .detected, streamingStores: Bool? = nil
  ) {
    precondition(input.count == output.count, "input \(input.count) vs output \(output.count)")
    guard rowLength > 0, input.count > 0 else { return }
    let rowCount = input.count / rowLength
    precondition(rowCount * rowLength == input.count, "\(input.count) elements are not rows of \(rowLength)")
    if let rowValidLengths {
      precondition(
        rowValidLengths.count == rowCount, "\(rowValidLengths.count) valid lengths for \(rowCount) rows")
      precondition(
        rowValidLengths.allSatisfy { $0 >= 0 && $0 <= rowLength }, "a valid length outside 0...\(rowLength)")
    }
    let workers = workerCount(rows: rowCount, elements: input.count, requested: threads)
    let streaming = streamingStores ?? (input.count * MemoryLayout<Float>.stride >= streamingThresholdBytes)
    let rowsPerWorker = (rowCount + workers - 1) / workers
    // Workers get disjoint blocks of rows, so sharing the pointers is safe.
    nonisolated(unsafe) let source = input.baseAddress!
    nonisolated(unsafe) let destination = output.baseAddress!
    nonisolated(unsafe) let lengths = rowValidLengths?.baseAddress
    let isa = instructionSet.cValue
    let work: @Sendable (Int) -> Void = { worker in
      let start = worker * rowsPerWorker
      let end = min(start + rowsPerWorker, rowCount)
      guard start < end else { return }
      ak_softmax_rows(
        isa, source + start * rowLength, destination + start * rowLength, end - start, rowLength,
        lengths.map { $0 + start }, streaming ? 1 : 0)
    }
    if workers == 1 {
      work(0)
    } else {
      DispatchQueue.concurrentPerform(iterations: workers, execute: work)
    }
  }

  /// How many threads share `rows` rows: as asked (at most one per row),
  /// or, by default, one per core for inputs worth splitting.
  static func workerCount(rows: Int, elements: Int, requested: Int?) -> Int {
    if let requested {
      precondition(requested >= 1, "threads must be at least 1, got \(requested)")
      return min(requested, rows)
    }
    guard elements >= minimumParallelElements else { return 1 }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    return max(1, min(cores, rows, elements / (minimumParallelElements / 2)))
  }

  /// A fresh `[Float]` of `count` elements, every one written by `fill`.
  ///
  /// Large outputs are first offered transparent huge pages, which cuts
  /// the page faults of first touch 512-fold: they are most of the cost of
  /// a fresh 64 MiB output.
  static func freshScalars(count: Int, _ fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      if let start = buffer.baseAddress {
        ak_advise_huge_pages(start, count * MemoryLayout<Float>.stride)
      }
      fill(buffer)
      initialized = count
    }
  }
}
