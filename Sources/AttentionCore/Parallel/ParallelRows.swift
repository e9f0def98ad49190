import Dispatch
import Foundation

/// Splits independent rows of work across the CPU cores.
///
/// Softmax-like kernels are bound by memory and by first-touch page faults
/// of freshly allocated outputs; both scale with cores. Small inputs stay on
/// the calling thread, where starting workers would cost more than it saves.
enum ParallelRows {
  /// Inputs below this many elements run on the calling thread.
  static let minimumParallelElements = 1 << 18

  /// Calls `body(rowRange)` for disjoint ranges covering `0..<rows`, on
  /// several threads when `rows · rowLength` is large.
  static func forEachChunk(rows: Int, rowLength: Int, _ body: (Range<Int>) -> Void) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    guard rows > 1, cores > 1, rows * rowLength >= minimumParallelElements else {
      body(0..<rows)
      return
    }
    // A few chunks per core even out uneven progress between threads.
    let chunkCount = min(rows, cores * 4)
    let rowsPerChunk = (rows + chunkCount - 1) / chunkCount
    // The chunks are disjoint, so the workers never touch the same rows;
    // `body` only has to be safe to call concurrently on different rows.
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
      let start = chunk * rowsPerChunk
      let end = min(start + rowsPerChunk, rows)
      if start < end { body(start..<end) }
    }
  }
}
