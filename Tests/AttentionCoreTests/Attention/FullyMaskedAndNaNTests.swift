import Testing

@testable import AttentionCore

/// Rows with no visible key, and NaN in the inputs.
@Suite struct FullyMaskedAndNaNTests {
  let sizes = AttentionSizes(batch: 2, heads: 2, queryCount: 41, keyCount: 29, depth: 6, valueDepth: 5)

  /// Every way of hiding all keys of a row gives zeros in output and
  /// weights, never NaN, while the other rows match the reference.
  @Test(arguments: InstructionSet.available)
  func fullyMaskedRowsAreZero(instructionSet: InstructionSet) throws {
    let inputs = AttentionInputs(sizes)
    let (batch, heads, queryCount, keyCount) = (sizes.batch, sizes.heads, sizes.queryCount, sizes.keyCount)
    // Row 3 all false; row 5 all -inf; batch 1 has valid length 0; with
    // Lq > Lk, bottom-right alignment hides every key from queries 0..<12.
    var allowed = [Bool](repeating: true, count: queryCount * keyCount)
    for k in 0..<keyCount { allowed[3 * keyCount + k] = false }
    var bias = Tensor.zeros([queryCount, keyCount])
    for k in 0..<keyCount { bias[5, k] = -.infinity }
    let masks = AttentionReference.Masks(
      causal: [.bottomRight], validLengths: [[keyCount, 0]], booleans: [(allowed, [queryCount, keyCount])],
      additives: [bias])
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: masks, scale: nil)
    let result = try runPoisonedKernel(
      inputs, mask: masks.attentionMask, weights: true, instructionSet: instructionSet, threadCount: 2,
      keyBlock: 8)
    expectOutputClose(result.output, reference)
    expectWeightsClose(result.weights!, reference)

    func isHidden(_ b: Int, _ q: Int) -> Bool { b == 1 || q == 3 || q == 5 || q < queryCount - keyCount }
    for b in 0..<batch {
      for h in 0..<heads {
        for q in 0..<queryCount {
          let row = (b * heads + h) * queryCount + q
          let outputRow = result.output[row * sizes.valueDepth..<(row + 1) * sizes.valueDepth]
          let weightRow = result.weights![row * keyCount..<(row + 1) * keyCount]
          if isHidden(b, q) {
            #expect(outputRow.allSatisfy { $0 == 0 }, "row \(b), \(h), \(q)")
            #expect(weightRow.allSatisfy { $0 == 0 }, "row \(b), \(h), \(q)")
          } else {
            let sum = weightRow.reduce(0, +)
            #expect(abs(sum - 1) < 1e-5, "row \(b), \(h), \(q) sums to \(sum)")
          }
        }
      }
    }
  }

  /// A whole block of 64 queries with no visible key (bottom-right
  /// alignment, Lq much larger than Lk) is skipped and written as zeros.
  @Test(arguments: InstructionSet.available)
  func wholeQueryBlocksWithNoVisibleKey(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 2, queryCount: 70, keyCount: 3, depth: 4, valueDepth: 9)
    let inputs = AttentionInputs(sizes)
    let masks = AttentionReference.Masks(causal: [.bottomRight])
    let reference = AttentionReference.attention(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, masks: masks, scale: nil)
    for withWeights in [false, true] {
      let result = try runPoisonedKernel(
        inputs, mask: masks.attentionMask, weights: withWeights, instructionSet: instructionSet,
        threadCount: 2, keyBlock: 2)
      expectOutputClose(result.output, reference)
      if let weights = result.weights { expectWeightsClose(weights, reference) }
    }
  }

  /// A hidden row stays exactly zero even when a value it does not see is
  /// NaN (its probabilities are 0, and 0 · NaN would be NaN).
  @Test(arguments: InstructionSet.available)
  func fullyMaskedRowsStayZeroBesideNaNValues(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 2, heads: 1, queryCount: 21, keyCount: 10, depth: 3, valueDepth: 17)
    var inputs = AttentionInputs(sizes)
    var values = inputs.values
    values[0, 0, 9, 4] = .nan
    values[1, 0, 2, 16] = .nan
    inputs = AttentionInputs(queries: inputs.queries, keys: inputs.keys, values: values)
    // Even queries see no key, odd ones see all; both share every tile.
    let lengths = (0..<(2 * 21)).map { $0 % 2 == 0 ? 0 : 10 }
    for withWeights in [false, true] {
      let result = try runPoisonedKernel(
        inputs, mask: .validLengths(lengths), weights: withWeights, instructionSet: instructionSet,
        threadCount: 1, keyBlock: 4)
      for row in 0..<(2 * 21) {
        let outputRow = result.output[row * 17..<(row + 1) * 17]
        if row % 2 == 0 {
          #expect(outputRow.allSatisfy { $0 == 0 }, "row \(row), weights: \(withWeights)")
          #expect(result.weights?[row * 10..<(row + 1) * 10].allSatisfy { $0 == 0 } ?? true, "row \(row)")
        } else {
          #expect(outputRow.contains { $0.isNaN }, "row \(row), weights: \(withWeights)")
        }
      }
    }
  }

  /// The d2l rule stays with `attentionPooling`: there a valid length of 0
  /// gives a uniform row, here zeros.
  @Test func attentionPoolingKeepsUniformRowsForValidLengthZero() throws {
    let inputs = AttentionInputs(sizes)
    let pooled = try attentionPooling(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, validLengths: [0, sizes.keyCount])
    let attended = try scaledDotProductAttentionWithWeights(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values,
      mask: .validLengths([0, sizes.keyCount]))
    let rowsOfBatch0 = sizes.heads * sizes.queryCount * sizes.keyCount
    #expect(
      pooled.attentionWeights.scalars[..<rowsOfBatch0].allSatisfy {
        abs($0 - 1 / Float(sizes.keyCount)) < 1e-7
      })
    #expect(attended.attentionWeights.scalars[..<rowsOfBatch0].allSatisfy { $0 == 0 })
    // Batch element 1 sees every key in both, and the two agree.
    let rest = pooled.attentionWeights.scalars[rowsOfBatch0...].map(Double.init)
    expectClose(
      Array(attended.attentionWeights.scalars[rowsOfBatch0...]), rest, relative: 1e-5, absolute: 1e-7)
  }

  /// NaN in one query reaches only that query's row; NaN in a key reaches
  /// only the rows that see it (a causal mask keeps it from earlier queries).
  @Test(arguments: InstructionSet.available)
  func nanInQueriesAndKeysReachesOnlyTheRowsThatUseThem(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 2, queryCount: 19, keyCount: 19, depth: 5, valueDepth: 3)
    var inputs = AttentionInputs(sizes)
    let (poisonedQuery, poisonedKey) = (4, 11)
    var queries = inputs.queries
    queries[0, 0, poisonedQuery, 2] = .nan
    var keys = inputs.keys
    keys[0, 1, poisonedKey, 0] = .nan
    inputs = AttentionInputs(queries: queries, keys: keys, values: inputs.values)
    let result = try runPoisonedKernel(
      inputs, mask: .causal, weights: true, instructionSet: instructionSet, threadCount: 1, keyBlock: 4)
    for h in 0..<2 {
      for q in 0..<sizes.queryCount {
        let row = h * sizes.queryCount + q
        let outputRow = result.output[row * 3..<(row + 1) * 3]
        let expectNaN = (h == 0 && q == poisonedQuery) || (h == 1 && q >= poisonedKey)
        #expect(outputRow.allSatisfy { $0.isNaN } == expectNaN, "head \(h), query \(q): \(Array(outputRow))")
        #expect(
          outputRow.allSatisfy { !$0.isNaN } == !expectNaN, "head \(h), query \(q): \(Array(outputRow))")
      }
    }
  }

  /// NaN in a value reaches that value's column of every row that pools it.
  @Test(arguments: InstructionSet.available)
  func nanInValuesReachesItsColumn(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 1, queryCount: 7, keyCount: 9, depth: 3, valueDepth: 4)
    var inputs = AttentionInputs(sizes)
    var values = inputs.values
    values[0, 0, 5, 2] = .nan
    inputs = AttentionInputs(queries: inputs.queries, keys: inputs.keys, values: values)
    let result = try runPoisonedKernel(
      inputs, mask: .none, weights: false, instructionSet: instructionSet, threadCount: 1, keyBlock: 4)
    for q in 0..<7 {
      for e in 0..<4 {
        #expect(result.output[q * 4 + e].isNaN == (e == 2), "query \(q), column \(e)")
      }
    }
  }
}

/// d2l's uniform row as a named policy of the one kernel path.
@Suite struct FullyMaskedRowPolicyTests {
  let sizes = AttentionSizes(batch: 2, heads: 3, queryCount: 13, keyCount: 11, depth: 5, valueDepth: 7)

  @Test func uniformRowsAreTheMeanOfTheValuesAndOtherRowsAreUntouched() throws {
    let inputs = AttentionInputs(sizes)
    let (queryCount, keyCount, valueDepth) = (sizes.queryCount, sizes.keyCount, sizes.valueDepth)
    // Queries 2 and 9 see no key; batch 1 has a valid length of 0; the rest see some keys.
    var allowed = [Bool](repeating: true, count: queryCount * keyCount)
    for key in 0..<keyCount { (allowed[2 * keyCount + key], allowed[9 * keyCount + key]) = (false, false) }
    for key in 0..<keyCount where key % 3 == 0 { allowed[4 * keyCount + key] = false }
    let mask = AttentionMask.boolean(allowed, shape: [queryCount, keyCount])
      .combined(with: .validLengths([keyCount - 2, 0]))
    let zeros = try scaledDotProductAttentionWithWeights(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: mask)
    let uniform = try scaledDotProductAttentionWithWeights(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: mask, fullyMaskedRows: .uniform
    )
    for matrix in 0..<(sizes.batch * sizes.heads) {
      let batch = matrix / sizes.heads
      // Float64 mean of this matrix's values.
      let mean = (0..<valueDepth).map { feature in
        (0..<keyCount).reduce(0.0) {
          $0 + Double(inputs.values.scalars[(matrix * keyCount + $1) * valueDepth + feature])
        } / Double(keyCount)
      }
      for query in 0..<queryCount {
        let row = matrix * queryCount + query
        let weights = uniform.attentionWeights.scalars[(row * keyCount)..<((row + 1) * keyCount)]
        let output = uniform.output.scalars[(row * valueDepth)..<((row + 1) * valueDepth)]
        if batch == 1 || query == 2 || query == 9 {
          #expect(weights.allSatisfy { $0 == 1 / Float(keyCount) }, "matrix \(matrix) query \(query)")
          for feature in 0..<valueDepth {
            #expect(abs(Double(output[output.startIndex + feature]) - mean[feature]) < 1e-6)
          }
          #expect(
            zeros.attentionWeights.scalars[(row * keyCount)..<((row + 1) * keyCount)].allSatisfy { $0 == 0 })
        } else {
          #expect(
            Array(weights) == Array(zeros.attentionWeights.scalars[(row * keyCount)..<((row + 1) * keyCount)])
          )
          #expect(Array(output) == Array(zeros.output.scalars[(row * valueDepth)..<((row + 1) * valueDepth)]))
        }
      }
    }
  }

  /// `attentionPooling` under a mask keeps d2l's rule, on the same path as
  /// under valid lengths.
  @Test func poolingUnderAMaskIsPoolingUnderValidLengths() throws {
    let inputs = AttentionInputs(sizes)
    let lengths = [0, 6]
    let byLengths = try attentionPooling(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, validLengths: lengths, causal: true)
    let byMask = try attentionPooling(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values,
      mask: AttentionMask.validLengths(lengths).combined(with: .causal))
    #expect(byLengths.output == byMask.output && byLengths.attentionWeights == byMask.attentionWeights)
    let reference = Reference.maskedSoftmax(
      try attentionScores(queries: inputs.queries, keys: inputs.keys).scalars.map(Double.init),
      rowLength: sizes.keyCount,
      rowValidLengths: (0..<(sizes.batch * sizes.heads * sizes.queryCount)).map { row in
        min(lengths[row / (sizes.heads * sizes.queryCount)], row % sizes.queryCount + 1)
      })
    expectClose(byMask.attentionWeights.scalars, reference)
  }
}
