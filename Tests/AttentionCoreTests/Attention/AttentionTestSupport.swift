import Testing

@testable import AttentionCore

typealias InstructionSet = KernelInstructionSet

/// Odd sizes: Lq != Lk, neither a multiple of the 64-query block, the key
/// blocks the tests use or a vector width; D and Dv odd and different.
struct AttentionSizes: Sendable, CustomStringConvertible {
  var batch = 2
  var heads = 3
  var queryCount = 37
  var keyCount = 53
  var depth = 19
  var valueDepth = 23

  var scoresShape: [Int] { [batch, heads, queryCount, keyCount] }
  var description: String { "B\(batch) H\(heads) Lq\(queryCount) Lk\(keyCount) D\(depth) Dv\(valueDepth)" }
}

/// Fresh random queries, keys and values of the given sizes, 4-D.
struct AttentionInputs {
  let queries: Tensor
  let keys: Tensor
  let values: Tensor

  init(queries: Tensor, keys: Tensor, values: Tensor) {
    self.queries = queries
    self.keys = keys
    self.values = values
  }

  init(_ sizes: AttentionSizes) {
    queries = RandomTensors.uniform([sizes.batch, sizes.heads, sizes.queryCount, sizes.depth])
    keys = RandomTensors.uniform([sizes.batch, sizes.heads, sizes.keyCount, sizes.depth])
    values = RandomTensors.uniform([sizes.batch, sizes.heads, sizes.keyCount, sizes.valueDepth])
  }
}

/// Runs the kernel itself on output (and weight) buffers filled with NaN,
/// so an element it fails to write shows up.
func runPoisonedKernel(
  _ inputs: AttentionInputs, mask: AttentionMask, scale: Float? = nil, weights: Bool,
  instructionSet: InstructionSet, threadCount: Int?, keyBlock: Int
) throws -> (output: [Float], weights: [Float]?) {
  let shapes = try AttentionShapes(queries: inputs.queries, keys: inputs.keys, values: inputs.values)
  let problem = ScaledDotProductKernel.Problem(
    shapes: shapes, scale: scale ?? 1 / Float(shapes.depth).squareRoot(), mask: try mask.resolved(for: shapes)
  )
  var output = poisoned(shapes.matrixCount * shapes.queryCount * shapes.valueDepth)
  var weightBuffer = weights ? poisoned(shapes.matrixCount * shapes.queryCount * shapes.keyCount) : nil
  inputs.queries.scalars.withUnsafeBufferPointer { queries in
    inputs.keys.scalars.withUnsafeBufferPointer { keys in
      inputs.values.scalars.withUnsafeBufferPointer { values in
        output.withUnsafeMutableBufferPointer { output in
          if weightBuffer == nil {
            ScaledDotProductKernel.run(
              problem, queries: queries, keys: keys, values: values, output: output, weights: nil,
              instructionSet: instructionSet, threadCount: threadCount, keyBlock: keyBlock)
          } else {
            weightBuffer!.withUnsafeMutableBufferPointer { weights in
              ScaledDotProductKernel.run(
                problem, queries: queries, keys: keys, values: values, output: output, weights: weights,
                instructionSet: instructionSet, threadCount: threadCount, keyBlock: keyBlock)
            }
          }
        }
      }
    }
  }
  return (output, weightBuffer)
}

/// Expects each output element within `relative` of the reference, relative
/// to the scale of its terms (`Σ weight·|value|`); a row with no visible key
/// must be exactly 0.
func expectOutputClose(
  _ output: [Float], _ reference: AttentionReference.Result, relative: Double = 1e-5,
  _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(output.count == reference.output.count, sourceLocation: sourceLocation)
  guard output.count == reference.output.count else { return }
  var worst = (ratio: 0.0, index: 0)
  for index in output.indices {
    let error = abs(Double(output[index]) - reference.output[index])
    let allowance = relative * reference.magnitude[index]
    let ratio = error.isNaN ? .infinity : (error == 0 ? 0 : error / allowance)
    if ratio > worst.ratio { worst = (ratio, index) }
  }
  #expect(
    worst.ratio <= 1,
    "output \(worst.index): \(output[worst.index]) vs \(reference.output[worst.index]) \(comment())",
    sourceLocation: sourceLocation)
}

/// Expects weights within `relative` of the reference; masked weights
/// (0 in the reference) must be exactly 0.
func expectWeightsClose(
  _ weights: [Float], _ reference: AttentionReference.Result, relative: Double = 1e-5,
  _ comment: @autoclosure () -> String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(weights.count == reference.weights.count, sourceLocation: sourceLocation)
  guard weights.count == reference.weights.count else { return }
  let worst = worstMismatch(weights, reference.weights, relative: relative, absolute: 1e-30)
  let (actual, expected) = worst.index >= 0 ? (weights[worst.index], reference.weights[worst.index]) : (0, 0)
  #expect(
    worst.ratio <= 1, "weight \(worst.index): \(actual) vs \(expected) \(comment())",
    sourceLocation: sourceLocation)
}
