import Dispatch
import Foundation
import Testing

@testable import AttentionCore

/// Every kind of mask, alone and combined, on every instruction set.
enum MaskCase: String, CaseIterable, Sendable {
  case none
  case causalTopLeft
  case causalBottomRight
  case validLengthsPerBatch
  case validLengthsPerQuery
  case booleanQueryByKey
  case booleanFull
  case booleanBroadcastOverHeadsAndQueries
  case booleanPerQuery
  case additiveQueryByKey
  case additivePerQuery
  case additiveFullWithInfinities
  case causalWithValidLengths
  case bottomRightWithBooleanAndAdditive
  case severalOfEachKind

  /// Fresh random mask parts of this kind for scores of `sizes`.
  func masks(_ sizes: AttentionSizes) -> AttentionReference.Masks {
    let (batch, heads, queryCount, keyCount) = (sizes.batch, sizes.heads, sizes.queryCount, sizes.keyCount)
    func booleans(_ shape: [Int]) -> (allowed: [Bool], shape: [Int]) {
      // Mostly true, so that most rows keep a few keys.
      ((0..<Tensor.elementCount(shape)).map { _ in Int.random(in: 0..<10) < 7 }, shape)
    }
    func additive(_ shape: [Int], infinities: Bool = false) -> Tensor {
      var bias = RandomTensors.uniform(shape, in: -3...3)
      if infinities {
        for index in bias.scalars.indices where Int.random(in: 0..<10) == 0 {
          bias.scalars[index] = -.infinity
        }
      }
      return bias
    }
    var masks = AttentionReference.Masks()
    switch self {
    case .none:
      break
    case .causalTopLeft:
      masks.causal = [.topLeft]
    case .causalBottomRight:
      masks.causal = [.bottomRight]
    case .validLengthsPerBatch:
      masks.validLengths = [RandomTensors.validLengths(count: batch, maximum: keyCount)]
    case .validLengthsPerQuery:
      masks.validLengths = [RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount)]
    case .booleanQueryByKey:
      masks.booleans = [booleans([queryCount, keyCount])]
    case .booleanFull:
      masks.booleans = [booleans([batch, heads, queryCount, keyCount])]
    case .booleanBroadcastOverHeadsAndQueries:
      masks.booleans = [booleans([batch, 1, 1, keyCount])]
    case .booleanPerQuery:
      masks.booleans = [booleans([batch, 1, queryCount, 1])]
    case .additiveQueryByKey:
      masks.additives = [additive([queryCount, keyCount])]
    case .additivePerQuery:
      masks.additives = [additive([queryCount, 1], infinities: true)]
    case .additiveFullWithInfinities:
      masks.additives = [additive([batch, heads, queryCount, keyCount], infinities: true)]
    case .causalWithValidLengths:
      masks.causal = [.topLeft]
      masks.validLengths = [RandomTensors.validLengths(count: batch, maximum: keyCount)]
    case .bottomRightWithBooleanAndAdditive:
      masks.causal = [.bottomRight]
      masks.booleans = [booleans([1, heads, queryCount, keyCount])]
      masks.additives = [additive([keyCount])]
    case .severalOfEachKind:
      masks.causal = [.topLeft, .bottomRight]
      masks.validLengths = [
        RandomTensors.validLengths(count: batch, maximum: keyCount),
        RandomTensors.validLengths(count: batch * queryCount, maximum: keyCount),
      ]
      masks.booleans = [booleans([queryCount, keyCount]), booleans([batch, 1, 1, keyCount])]
      masks.additives = [additive([queryCount, 1]), additive([heads, 1, keyCount], infinities: true)]
    }
    return masks
  }
}

@Suite struct ScaledDotProductAttentionTests {
  /// Output and weights against the Float64 reference, through the kernel
  /// on poisoned buffers: small key blocks (several per row, the last one
  /// partial), 4 threads for 6 matrices.
  @Test(arguments: InstructionSet.available, MaskCase.allCases)
  func matchesFloat64Reference(instructionSet: InstructionSet, maskCase: MaskCase) throws {
    let sizes = AttentionSizes()
    let inputs = AttentionInputs(sizes)
    let masks = maskCase.masks(sizes)
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: masks, scale: nil)
    for withWeights in [false, true] {
      let result = try runPoisonedKernel(
        inputs, mask: masks.attentionMask, weights: withWeights, instructionSet: instructionSet,
        threadCount: 4, keyBlock: 16)
      expectOutputClose(result.output, reference, "\(instructionSet) \(maskCase) weights: \(withWeights)")
      if let weights = result.weights {
        expectWeightsClose(weights, reference, "\(instructionSet) \(maskCase)")
      }
    }
  }

  /// Tile size and thread count change nothing but rounding: two query
  /// blocks per matrix, key blocks of 1, 7 and the default, 1 to 3 threads.
  @Test(arguments: InstructionSet.available)
  func tilesAndThreadsDoNotChangeTheResult(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 3, queryCount: 70, keyCount: 45, depth: 5, valueDepth: 3)
    let inputs = AttentionInputs(sizes)
    // Causal plus per-query lengths: every tile boundary, including the one
    // just past a query's last visible key, meets some row.
    let masks = AttentionReference.Masks(
      causal: [.topLeft], validLengths: [(0..<70).map { _ in Int.random(in: 1...45) }])
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: masks, scale: nil)
    for (keyBlock, threads) in [(1, 1), (7, 3), (ScaledDotProductKernel.defaultKeyBlock, 2)] {
      let result = try runPoisonedKernel(
        inputs, mask: masks.attentionMask, weights: true, instructionSet: instructionSet,
        threadCount: threads, keyBlock: keyBlock)
      expectOutputClose(result.output, reference, "key block \(keyBlock), \(threads) threads")
      expectWeightsClose(result.weights!, reference, "key block \(keyBlock), \(threads) threads")
    }
  }

  /// Calls from several threads at once share the helper threads safely
  /// (a call that finds them busy runs on its own thread).
  @Test func concurrentCallsEachGetTheirOwnResult() throws {
    let sizes = AttentionSizes(batch: 2, heads: 3, queryCount: 70, keyCount: 31, depth: 9, valueDepth: 4)
    let cases = (0..<6).map { _ in AttentionInputs(sizes) }
    let references = cases.map {
      AttentionReference.attention(
        queries: $0.queries, keys: $0.keys, values: $0.values, masks: .init(causal: [.topLeft]), scale: nil)
    }
    let results = Results(count: cases.count)
    DispatchQueue.concurrentPerform(iterations: cases.count * 4) { iteration in
      let index = iteration % cases.count
      let result = try? runPoisonedKernel(
        cases[index], mask: .causal, weights: false, instructionSet: .detected, threadCount: 2, keyBlock: 8)
      results.store(result?.output ?? [], at: index, round: iteration / cases.count)
    }
    for index in cases.indices {
      for round in 0..<4 { expectOutputClose(results.output(index, round: round), references[index]) }
    }
  }

  /// Outputs written by concurrent iterations, one slot per (case, round).
  private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var outputs: [[Float]]
    private let count: Int
    init(count: Int) {
      self.count = count
      outputs = Array(repeating: [], count: count * 4)
    }
    func store(_ output: [Float], at index: Int, round: Int) {
      lock.withLock { outputs[round * count + index] = output }
    }
    func output(_ index: Int, round: Int) -> [Float] { lock.withLock { outputs[round * count + index] } }
  }

  /// The public function: 4-D and 3-D inputs, output in the input's rank,
  /// weights only when asked for, and the default scale 1/√D.
  @Test func publicAPIShapesAndDefaults() throws {
    let sizes = AttentionSizes(batch: 3, heads: 1, queryCount: 11, keyCount: 6, depth: 7, valueDepth: 2)
    let inputs = AttentionInputs(sizes)
    let masks = AttentionReference.Masks(validLengths: [[6, 0, 3]])
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: masks, scale: nil)

    let fourD = try scaledDotProductAttention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: masks.attentionMask)
    #expect(fourD.shape == [3, 1, 11, 2])
    expectOutputClose(fourD.scalars, reference)

    let threeD = try scaledDotProductAttentionWithWeights(
      queries: inputs.queries.reshaped([3, 11, 7]), keys: inputs.keys.reshaped([3, 6, 7]),
      values: inputs.values.reshaped([3, 6, 2]), mask: masks.attentionMask)
    #expect(threeD.output.shape == [3, 11, 2])
    #expect(threeD.attentionWeights.shape == [3, 11, 6])
    expectOutputClose(threeD.output.scalars, reference)
    expectWeightsClose(threeD.attentionWeights.scalars, reference)
  }

  /// Empty batch, head or value axes are allowed: the output is empty, and
  /// the weights are still computed when there are values of width 0.
  @Test func emptyBatchHeadsOrValueWidth() throws {
    let sizes = AttentionSizes(batch: 2, heads: 3, queryCount: 5, keyCount: 4, depth: 3, valueDepth: 0)
    let inputs = AttentionInputs(sizes)
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: .init(), scale: nil)
    let noValues = try scaledDotProductAttentionWithWeights(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values)
    #expect(noValues.output.shape == [2, 3, 5, 0])
    expectWeightsClose(noValues.attentionWeights.scalars, reference)

    let noHeads = try scaledDotProductAttentionWithWeights(
      queries: Tensor.zeros([2, 0, 5, 3]), keys: Tensor.zeros([2, 0, 4, 3]),
      values: Tensor.zeros([2, 0, 4, 6]))
    #expect(noHeads.output.shape == [2, 0, 5, 6])
    #expect(noHeads.attentionWeights.shape == [2, 0, 5, 4])
  }

  /// 3-D inputs take masks broadcast against `[B, Lq, Lk]`.
  @Test func threeDimensionalMasksBroadcastAgainstBatchQueriesKeys() throws {
    let queries = RandomTensors.uniform([2, 9, 3])
    let keys = RandomTensors.uniform([2, 13, 3])
    let values = RandomTensors.uniform([2, 13, 5])
    var masks = AttentionReference.Masks()
    masks.booleans = [((0..<(2 * 9 * 13)).map { _ in Bool.random() }, [2, 9, 13])]
    masks.additives = [RandomTensors.uniform([9, 1])]
    let reference = AttentionReference.attention(
      queries: queries, keys: keys, values: values, masks: masks, scale: nil)
    let result = try scaledDotProductAttentionWithWeights(
      queries: queries, keys: keys, values: values, mask: masks.attentionMask)
    expectOutputClose(result.output.scalars, reference)
    expectWeightsClose(result.attentionWeights.scalars, reference)
  }

  /// An explicit scale replaces 1/√D, and large scores (±1e4 after scaling)
  /// stay finite thanks to the running maximum.
  @Test(arguments: InstructionSet.available)
  func explicitScaleAndLargeScores(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 2, queryCount: 5, keyCount: 33, depth: 4, valueDepth: 3)
    let inputs = AttentionInputs(sizes)
    for scale: Float in [0.37, 2000] {
      let reference = AttentionReference.attention(
        queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: .init(),
        scale: Double(scale))
      let result = try runPoisonedKernel(
        inputs, mask: .none, scale: scale, weights: true, instructionSet: instructionSet, threadCount: 1,
        keyBlock: 8)
      // Scores near 1e4 carry float rounding of about 1e-3 (ulp(1e4)), which
      // exp turns into a relative error of the same size; compare loosely there.
      let relative = scale > 1 ? 1e-2 : 1e-5
      expectOutputClose(result.output, reference, relative: relative, "scale \(scale)")
      expectWeightsClose(result.weights!, reference, relative: relative, "scale \(scale)")
    }
  }
}
