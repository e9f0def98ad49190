import CAttentionKernels
import Foundation

/// The tiled attention kernel of `CAttentionKernels` (`sdpa.c`), run on
/// every core.
///
/// The work is split into (batch·head, block of 64 queries) items that the
/// calling thread and helper threads of the kernel's own pool take one by
/// one; each keeps a few tiles of scratch memory, so memory use does not
/// grow with `Lq·Lk`. The kernel does its own arithmetic (no BLAS call), so
/// OpenBLAS's thread pool is not involved.
enum ScaledDotProductKernel {
  /// Keys per tile. A tile of scores (128 keys × 64 queries, 32 KiB) and
  /// the queries and outputs of a block stay in the L1 and L2 caches.
  static let defaultKeyBlock = 128

  /// The cores to use. Read once: on Linux the count comes from files
  /// (affinity, cgroup quota), which costs more than a small attention call.
  static let cores = ProcessInfo.processInfo.activeProcessorCount

  /// Below this many multiply-adds the work runs on the calling thread:
  /// waking a second thread costs more than it saves.
  static let minimumParallelWork = 1 << 21

  /// The checked arguments of one call, apart from the tensors' elements.
  struct Problem: Sendable {
    let shapes: AttentionShapes
    let scale: Float
    let mask: ResolvedAttentionMask
  }

  /// Runs the kernel, writing every element of `output` and, if given, `weights`.
  ///
  /// - Parameters:
  ///   - queries: `(B·H, Lq, D)`.
  ///   - keys: `(B·H, Lk, D)`.
  ///   - values: `(B·H, Lk, Dv)`.
  ///   - output: `(B·H, Lq, Dv)`.
  ///   - weights: `(B·H, Lq, Lk)`, or `nil`.
  ///   - threadCount: threads, the calling one included; `nil` picks one
  ///     per core for large problems and the calling thread alone for
  ///     small ones.
  static func run(
    _ problem: Problem, queries: UnsafeBufferPointer<Float>, keys: UnsafeBufferPointer<Float>,
    values: UnsafeBufferPointer<Float>, output: UnsafeMutableBufferPointer<Float>,
    weights: UnsafeMutableBufferPointer<Float>?, instructionSet: KernelInstructionSet, threadCount: Int?,
    keyBlock: Int, rowStatistics: RowStatisticsBuffers? = nil
  ) {
    let shapes = problem.shapes
    precondition(instructionSet <= .detected, "\(instructionSet) is not available on this CPU")
    precondition(keyBlock >= 1, "key block \(keyBlock)")
    precondition(queries.count == shapes.matrixCount * shapes.queryCount * shapes.depth)
    precondition(keys.count == shapes.matrixCount * shapes.keyCount * shapes.depth)
    precondition(values.count == shapes.matrixCount * shapes.keyCount * shapes.valueDepth)
    precondition(output.count == shapes.matrixCount * shapes.queryCount * shapes.valueDepth)
    precondition(weights.map { $0.count == shapes.matrixCount * shapes.queryCount * shapes.keyCount } ?? true)

    var parameters = problem.parameters(keyBlock: keyBlock)
    parameters.queries = queries.baseAddress
    parameters.keys = keys.baseAddress
    parameters.values = values.baseAddress
    parameters.output = output.baseAddress
    parameters.weights = weights?.baseAddress
    if let rowStatistics {
      precondition(rowStatistics.maximum.count == shapes.matrixCount * shapes.queryCount)
      precondition(rowStatistics.inverseSum.count == shapes.matrixCount * shapes.queryCount)
      parameters.row_max = rowStatistics.maximum.baseAddress
      parameters.row_inverse_sum = rowStatistics.inverseSum.baseAddress
      // The output of a run with weights, which a model's next layer then reads alike.
      parameters.two_pass = 1
    }
    let items = ak_sdpa_item_count(&parameters)
    guard items > 0 else { return }

    let work = shapes.matrixCount * shapes.queryCount * shapes.keyCount * (shapes.depth + shapes.valueDepth)
    let threads = max(1, min(items, threadCount ?? (work >= minimumParallelWork ? cores : 1)))

    withMask(problem.mask, &parameters) { parameters in
      let status = ak_sdpa_run(&parameters, instructionSet.cValue, Int32(clamping: threads))
      precondition(status == 0, "attention kernel could not allocate its scratch memory")
    }
  }

  /// Where a run writes each query's final maximum and 1 / sum, `(B·H·Lq)` each.
  struct RowStatisticsBuffers {
    let maximum: UnsafeMutableBufferPointer<Float>
    let inverseSum: UnsafeMutableBufferPointer<Float>
  }

  /// The weights of `queryRange` × `keyRange` of matrix `matrix` (`b·H + h`),
  /// bit for bit as `run` wrote them with the same problem, instruction set
  /// and key block, from the queries, keys and the row statistics it wrote.
  ///
  /// - Parameter block: `(queryRange.count, keyRange.count)`, every element written.
  static func weightsBlock(
    _ problem: Problem, queries: UnsafeBufferPointer<Float>, keys: UnsafeBufferPointer<Float>,
    rowMaximum: UnsafeBufferPointer<Float>, rowInverseSum: UnsafeBufferPointer<Float>, matrix: Int,
    queryRange: Range<Int>, keyRange: Range<Int>, block: UnsafeMutableBufferPointer<Float>,
    instructionSet: KernelInstructionSet, keyBlock: Int
  ) {
    let shapes = problem.shapes
    precondition(instructionSet <= .detected, "\(instructionSet) is not available on this CPU")
    precondition((0..<shapes.matrixCount).contains(matrix))
    precondition(queryRange.lowerBound >= 0 && queryRange.upperBound <= shapes.queryCount)
    precondition(keyRange.lowerBound >= 0 && keyRange.upperBound <= shapes.keyCount)
    precondition(block.count == queryRange.count * keyRange.count)
    precondition(rowMaximum.count == shapes.matrixCount * shapes.queryCount && rowInverseSum.count == rowMaximum.count)
    var parameters = problem.parameters(keyBlock: keyBlock)
    parameters.queries = queries.baseAddress
    parameters.keys = keys.baseAddress
    parameters.row_max = UnsafeMutablePointer(mutating: rowMaximum.baseAddress)
    parameters.row_inverse_sum = UnsafeMutablePointer(mutating: rowInverseSum.baseAddress)
    withMask(problem.mask, &parameters) { parameters in
      let status = ak_sdpa_weights_block(
        &parameters, instructionSet.cValue, matrix, queryRange.lowerBound, queryRange.count, keyRange.lowerBound,
        keyRange.count, block.baseAddress, keyRange.count)
      precondition(status == 0, "attention kernel could not allocate its scratch memory")
    }
  }

  /// Calls `body` with `parameters` pointing at the mask's arrays, which
  /// stay valid only during the call.
  private static func withMask(
    _ mask: ResolvedAttentionMask, _ parameters: inout ak_sdpa_problem, _ body: (inout ak_sdpa_problem) -> Void
  ) {
    withOptionalPointer(mask.keyLimits) { keyLimits in
      withOptionalPointer(mask.bias?.elements) { bias in
        withOptionalPointer(mask.allowed?.elements) { allowed in
          parameters.key_limits = keyLimits
          parameters.bias = bias
          parameters.allowed = allowed
          if let strides = mask.bias?.strides {
            parameters.bias_strides = (strides[0], strides[1], strides[2], strides[3])
          }
          if let strides = mask.allowed?.strides {
            parameters.allowed_strides = (strides[0], strides[1], strides[2], strides[3])
          }
          body(&parameters)
        }
      }
    }
  }

  private static func withOptionalPointer<Element, Result>(
    _ array: [Element]?, _ body: (UnsafePointer<Element>?) -> Result
  ) -> Result {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}

extension ScaledDotProductKernel.Problem {
  /// The kernel's problem of these sizes, scale and key block, its pointers and mask not yet set.
  func parameters(keyBlock: Int) -> ak_sdpa_problem {
    var parameters = ak_sdpa_problem()
    parameters.batch = shapes.batch
    parameters.heads = shapes.heads
    parameters.query_count = shapes.queryCount
    parameters.key_count = shapes.keyCount
    parameters.depth = shapes.depth
    parameters.value_depth = shapes.valueDepth
    parameters.scale = scale
    parameters.key_block = keyBlock
    return parameters
  }

  /// Checks a call's tensors, scale and mask.
  ///
  /// - Throws: `AttentionError` naming the shapes that disagree, a mask that
  ///   does not fit, an empty sequence or feature axis, or a scale that is not finite.
  init(queries: Tensor, keys: Tensor, values: Tensor, mask: AttentionMask, scale: Float?) throws {
    let shapes = try AttentionShapes(queries: queries, keys: keys, values: values)
    guard shapes.queryCount > 0, shapes.keyCount > 0, shapes.depth > 0 else {
      throw AttentionError.invalidArgument(
        "scaled dot-product attention needs at least one query, one key and one feature; "
          + "got queries \(queries.shape) and keys \(keys.shape)")
    }
    let scale = scale ?? 1 / Float(shapes.depth).squareRoot()
    guard scale.isFinite else {
      throw AttentionError.invalidArgument("scale \(scale) is not finite")
    }
    self.init(shapes: shapes, scale: scale, mask: try mask.resolved(for: shapes))
  }
}
