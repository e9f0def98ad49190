import Testing

@testable import AttentionCore

/// A recorded run keeps 8 bytes a query instead of the weights; any block
/// recomputed from it is the full run's weights, bit for bit.
@Suite struct AttentionRecordTests {
  /// The run's weights, written with weights asked for, against blocks
  /// recomputed from the record: the whole of every matrix, and blocks whose
  /// edges fall inside key tiles and 64-query blocks; every mask kind and
  /// instruction set, a key block of 16 and the default.
  @Test(arguments: InstructionSet.available, MaskCase.allCases)
  func blocksAreTheRunsWeightsBitForBit(instructionSet: InstructionSet, maskCase: MaskCase) throws {
    let sizes = AttentionSizes(batch: 2, heads: 2, queryCount: 131, keyCount: 77, depth: 19, valueDepth: 5)
    let inputs = AttentionInputs(sizes)
    let mask = maskCase.masks(sizes).attentionMask
    for keyBlock in [16, ScaledDotProductKernel.defaultKeyBlock] {
      let full = try runPoisonedKernel(
        inputs, mask: mask, weights: true, instructionSet: instructionSet, threadCount: 2, keyBlock: keyBlock)
      let (output, record) = try scaledDotProductAttentionRecorded(
        queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: mask, scale: nil,
        instructionSet: instructionSet, threadCount: 2, keyBlock: keyBlock)
      // The output is the one of a run that writes the weights, bit for bit.
      let changed = zip(output.scalars, full.output).filter { $0.bitPattern != $1.bitPattern }.count
      #expect(changed == 0, "\(instructionSet) \(maskCase): \(changed) outputs differ")
      let weights = try #require(full.weights)
      var blocks: [(Int, Int, Range<Int>, Range<Int>)] = []
      for batch in 0..<sizes.batch {
        for head in 0..<sizes.heads {
          blocks.append((batch, head, 0..<sizes.queryCount, 0..<sizes.keyCount))
        }
      }
      blocks += [
        (1, 0, 63..<130, 15..<34), (0, 1, 0..<1, 76..<77), (1, 1, 64..<128, 0..<77), (0, 0, 100..<131, 5..<6),
      ]
      for (batch, head, rows, columns) in blocks {
        let block = try record.weights(batch: batch, head: head, rows: rows, columns: columns)
        #expect(block.shape == [rows.count, columns.count])
        let matrix = batch * sizes.heads + head
        let expected = rows.flatMap { row in
          columns.map { weights[(matrix * sizes.queryCount + row) * sizes.keyCount + $0].bitPattern }
        }
        let differing = zip(block.scalars.map(\.bitPattern), expected).filter { $0 != $1 }.count
        #expect(
          differing == 0,
          "\(instructionSet) \(maskCase) key block \(keyBlock): \(differing) weights differ in \(rows) × \(columns) of \(batch).\(head)"
        )
      }
    }
  }

  /// The kernel writes every element of a block and nothing past it: a
  /// buffer poisoned with NaN, one element wider on each side.
  @Test(arguments: InstructionSet.available)
  func aBlockWritesItsElementsAndNoOthers(instructionSet: InstructionSet) throws {
    let sizes = AttentionSizes(batch: 1, heads: 3, queryCount: 70, keyCount: 45, depth: 7, valueDepth: 3)
    let inputs = AttentionInputs(sizes)
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: .causal(.topLeft), scale: nil,
      instructionSet: instructionSet, threadCount: 1, keyBlock: 8)
    let (rows, columns) = (3..<69, 2..<41)
    let count = rows.count * columns.count
    var buffer = poisoned(count + 2)
    inputs.queries.scalars.withUnsafeBufferPointer { queries in
      inputs.keys.scalars.withUnsafeBufferPointer { keys in
        record.rowMaximum.withUnsafeBufferPointer { maximum in
          record.rowInverseSum.withUnsafeBufferPointer { inverseSum in
            buffer.withUnsafeMutableBufferPointer { buffer in
              ScaledDotProductKernel.weightsBlock(
                record.problem, queries: queries, keys: keys, rowMaximum: maximum, rowInverseSum: inverseSum,
                matrix: 2, queryRange: rows, keyRange: columns,
                block: UnsafeMutableBufferPointer(rebasing: buffer[1..<(count + 1)]),
                instructionSet: instructionSet,
                keyBlock: 8)
            }
          }
        }
      }
    }
    #expect(buffer.first!.isNaN && buffer.last!.isNaN, "nothing written outside the block")
    #expect(buffer[1..<(count + 1)].allSatisfy { $0.isFinite }, "every element of the block written")
    let expected = try record.weights(batch: 0, head: 2, rows: rows, columns: columns)
    #expect(Array(buffer[1..<(count + 1)]).map(\.bitPattern) == expected.scalars.map(\.bitPattern))
    // Causal: the key after a query's own is 0 exactly.
    #expect(expected.scalars[0 * columns.count + (3 + 1 - 2)] == 0)
  }

  @Test func refusesBlocksOutsideTheRunAndCountsItsBytes() throws {
    let sizes = AttentionSizes(batch: 1, heads: 2, queryCount: 9, keyCount: 11, depth: 4, valueDepth: 2)
    let inputs = AttentionInputs(sizes)
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values)
    #expect(record.byteCount == 4 * (9 * 4 * 2 + 11 * 4 * 2) + 8 * 9 * 2)
    #expect(try record.weights(head: 1, rows: 0..<0, columns: 0..<11).shape == [0, 11])
    for (batch, head, rows, columns) in [
      (1, 0, 0..<1, 0..<1), (0, 2, 0..<1, 0..<1), (0, 0, 0..<10, 0..<1), (0, 0, 0..<1, 5..<12),
    ] {
      #expect(throws: AttentionError.self) {
        try record.weights(batch: batch, head: head, rows: rows, columns: columns)
      }
    }
  }
}

/// Overviews against pooling written plainly in Float64 over the run's full weights.
@Suite struct AttentionRecordOverviewTests {
  /// The cells of `map` (`rows × columns`) pooled into `n × m` bins, each
  /// bin found by testing every position against its bounds.
  private func pooled(_ map: [Float], rows: Int, columns: Int, n: Int, m: Int, max: Bool) -> [Double] {
    var cells: [Double] = []
    for i in 0..<n {
      for j in 0..<m {
        var values: [Double] = []
        for row in 0..<rows where row >= i * rows / n && row < (i + 1) * rows / n {
          for column in 0..<columns where column >= j * columns / m && column < (j + 1) * columns / m {
            values.append(Double(map[row * columns + column]))
          }
        }
        cells.append(max ? values.max()! : values.reduce(0, +) / Double(values.count))
      }
    }
    return cells
  }

  @Test(arguments: [(10, false), (10, true), (1, false), (300, false), (33, true), (76, false)])
  func overviewsPoolTheFullMap(size: Int, max: Bool) throws {
    let sizes = AttentionSizes(batch: 1, heads: 2, queryCount: 131, keyCount: 77, depth: 9, valueDepth: 3)
    let inputs = AttentionInputs(sizes)
    let mask = AttentionMask.causal(.bottomRight)
    let full = try runPoisonedKernel(
      inputs, mask: mask, weights: true, instructionSet: .detected, threadCount: 1,
      keyBlock: ScaledDotProductKernel.defaultKeyBlock)
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: mask)
    let head = 1
    let map = Array(try #require(full.weights)[(head * 131 * 77)..<((head + 1) * 131 * 77)])
    let overview = try record.overview(head: head, size: size, pooling: max ? .max : .mean)
    let (n, m) = (min(size, 131), min(size, 77))
    #expect(overview.shape == [n, m])
    let expected = pooled(map, rows: 131, columns: 77, n: n, m: m, max: max)
    let worst =
      zip(overview.scalars, expected).map { abs(Double($0) - $1) / Swift.max(abs($1), 1e-30) }.max() ?? 0
    #expect(worst <= (max ? 0 : 1e-6), "size \(size) \(max ? "max" : "mean"): relative error \(worst)")
  }

  /// A block of the map, pooled: the same as pooling the block cut from the full map.
  @Test(arguments: [(7..<120, 3..<70, 16, false), (64..<131, 0..<77, 5, true), (100..<101, 40..<77, 8, false)])
  func overviewsOfABlockPoolThatBlock(rows: Range<Int>, columns: Range<Int>, size: Int, max: Bool) throws {
    let sizes = AttentionSizes(batch: 1, heads: 1, queryCount: 131, keyCount: 77, depth: 9, valueDepth: 3)
    let inputs = AttentionInputs(sizes)
    let full = try runPoisonedKernel(
      inputs, mask: .causal, weights: true, instructionSet: .detected, threadCount: 1,
      keyBlock: ScaledDotProductKernel.defaultKeyBlock)
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values, mask: .causal)
    let weights = try #require(full.weights)
    let block = rows.flatMap { row in columns.map { weights[row * 77 + $0] } }
    let overview = try record.overview(rows: rows, columns: columns, size: size, pooling: max ? .max : .mean)
    let (n, m) = (min(size, rows.count), min(size, columns.count))
    #expect(overview.shape == [n, m])
    let expected = pooled(block, rows: rows.count, columns: columns.count, n: n, m: m, max: max)
    let worst =
      zip(overview.scalars, expected).map { abs(Double($0) - $1) / Swift.max(abs($1), 1e-30) }.max() ?? 0
    #expect(worst <= (max ? 0 : 1e-6), "\(rows) × \(columns) size \(size): relative error \(worst)")
    #expect(AttentionRecord.binStarts(of: rows, cells: n).first == rows.lowerBound)
    #expect(AttentionRecord.binStarts(of: rows, cells: n).last == rows.upperBound)
    #expect(throws: AttentionError.self) { try record.overview(rows: 5..<5, size: 4) }
    #expect(throws: AttentionError.self) { try record.overview(rows: 0..<132, size: 4) }
  }

  @Test func refusesAnEmptyOverview() throws {
    let inputs = AttentionInputs(
      AttentionSizes(batch: 1, heads: 1, queryCount: 3, keyCount: 3, depth: 2, valueDepth: 2))
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: inputs.queries, keys: inputs.keys, values: inputs.values)
    #expect(throws: AttentionError.self) { try record.overview(size: 0) }
  }
}
