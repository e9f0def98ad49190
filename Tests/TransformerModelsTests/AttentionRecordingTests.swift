import AttentionCore
import AttentionTestSupport
import Foundation
import Testing
import TransformerModels

/// A run that keeps records against a run that keeps the weights: every
/// block recomputed from the records is the full run's weights, for both
/// families, at lengths that are not multiples of the kernel's tiles.
@Suite struct AttentionRecordingTests {
  /// How many units in the last place `a` and `b` are apart (0 for equal bits).
  private func ulps(_ a: Float, _ b: Float) -> Int {
    if a == b { return 0 }
    guard a.sign == b.sign, a.isFinite, b.isFinite else { return .max }
    return abs(Int(a.bitPattern) - Int(b.bitPattern))
  }

  /// Checks `samples` random blocks of every head, and the whole of the
  /// first and last head, against `full` (`[N, H, L, L]`).
  private func expectBlocksMatch(
    _ recording: AttentionRecording, _ full: ModelAttention, samples: Int, seed: UInt64
  ) throws {
    var random = SplitMix64(seed: seed)
    let count = full.tokens.count
    #expect(recording.tokens == full.tokens)
    #expect(recording.layerCount == full.layerCount && recording.headCount == full.headCount)
    let scalars = full.attentions.scalars
    var worst = 0
    var compared = 0
    for layer in 0..<full.layerCount {
      for head in 0..<full.headCount {
        var blocks: [(Range<Int>, Range<Int>)] = []
        if (layer, head) == (0, 0) || (layer, head) == (full.layerCount - 1, full.headCount - 1) {
          blocks.append((0..<count, 0..<count))
        }
        for _ in 0..<samples {
          let rowStart = Int.random(in: 0..<count, using: &random)
          let columnStart = Int.random(in: 0..<count, using: &random)
          blocks.append(
            (
              rowStart..<Int.random(in: (rowStart + 1)...count, using: &random),
              columnStart..<Int.random(in: (columnStart + 1)...count, using: &random)
            ))
        }
        for (rows, columns) in blocks {
          let block = try recording.weights(layer: layer, head: head, rows: rows, columns: columns)
          #expect(block.shape == [rows.count, columns.count])
          for (i, row) in rows.enumerated() {
            for (j, column) in columns.enumerated() {
              let expected = scalars[((layer * full.headCount + head) * count + row) * count + column]
              worst = max(worst, ulps(block.scalars[i * columns.count + j], expected))
              compared += 1
            }
          }
        }
      }
    }
    #expect(worst <= 1, "a recomputed weight is \(worst) ulps from the full run's (\(compared) compared)")
    #expect(compared > count * count)
  }

  /// The overview of a head, pooled plainly in Float64 from the full map.
  private func expectOverviewMatches(
    _ recording: AttentionRecording, _ full: ModelAttention, layer: Int, head: Int, size: Int,
    pooling: AttentionRecord.Pooling
  ) throws {
    let count = full.tokens.count
    let overview = try recording.overview(layer: layer, head: head, size: size, pooling: pooling)
    let cells = min(size, count)
    #expect(overview.shape == [cells, cells])
    let bins = AttentionRecord.binStarts(of: 0..<count, cells: cells)
    let map = (layer * full.headCount + head) * count * count
    for i in 0..<cells {
      for j in 0..<cells {
        var values: [Double] = []
        for row in bins[i]..<bins[i + 1] {
          for column in bins[j]..<bins[j + 1] { values.append(Double(full.attentions.scalars[map + row * count + column])) }
        }
        let expected = pooling == .max ? values.max()! : values.reduce(0, +) / Double(values.count)
        let got = Double(overview.scalars[i * cells + j])
        #expect(abs(got - expected) <= 1e-6 * max(abs(expected), 1e-3), "cell \(i), \(j): \(got) vs \(expected)")
      }
    }
  }

  /// What a recording counts for its labels beside the records.
  private func labelBytes(_ encoding: Encoding) -> Int { encoding.tokens.reduce(0) { $0 + $1.utf8.count + 16 } }

  private func randomEncoding(count: Int, vocabulary: Int, seed: UInt64, first: Int? = nil) -> Encoding {
    var random = SplitMix64(seed: seed)
    var ids = (0..<count).map { _ in Int.random(in: 0..<vocabulary, using: &random) }
    if let first { ids[0] = first }
    return Encoding(
      tokens: ids.map { "t\($0)" }, ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: count)
  }

  @Test(arguments: [7, 131])
  func anEncodersRecordsGiveItsWeights(count: Int) throws {
    let tiny = TinyBert(seed: 0x10C0 + UInt64(count), maxPositions: 160)
    let model = try BertModel(contentsOf: try tiny.writeFolder())
    let encoding = randomEncoding(count: count, vocabulary: tiny.vocabularySize, seed: UInt64(count))
    let recording = try model.record(encoding)
    let full = try model.run(encoding, options: RunOptions()).attention
    #expect(recording.keepsRecords && recording.kind == .bidirectional)
    #expect(recording.byteCount == model.recordingByteCount(tokens: count) + labelBytes(encoding))
    try expectBlocksMatch(recording, full, samples: 6, seed: 1)
    try expectOverviewMatches(recording, full, layer: 1, head: 0, size: 10, pooling: .mean)
    try expectOverviewMatches(recording, full, layer: 0, head: 1, size: 9, pooling: .max)
  }

  /// Lengths past one key block (128) and two query tiles, with two query
  /// heads to a key head (their rows stacked in one record).
  @Test(arguments: [5, 37, 263])
  func aDecodersRecordsGiveItsWeights(count: Int) throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    tiny.seed = 5 + UInt64(count)
    let model = try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-record-\(count)"))
    let encoding = randomEncoding(count: count, vocabulary: tiny.vocabularySize, seed: UInt64(count))
    let recording = try model.record(encoding)
    let full = try model.run(encoding, options: RunOptions()).attention
    #expect(recording.keepsRecords && recording.kind == .causal)
    #expect(recording.byteCount == model.recordingByteCount(tokens: count) + labelBytes(encoding))
    try expectBlocksMatch(recording, full, samples: 6, seed: 2)
    try expectOverviewMatches(recording, full, layer: 1, head: 3, size: 16, pooling: .mean)
    try expectOverviewMatches(recording, full, layer: 0, head: 2, size: 7, pooling: .max)
    // What it keeps grows with L, not L².
    let perToken = Double(recording.byteCount) / Double(count)
    let layers = tiny.layerCount
    let width = tiny.hiddenSize
    #expect(perToken < Double(layers * (4 * (width + width / 2) + 8 * tiny.headCount + 8) + 40))
  }

  /// Writing while keeping records: the same tokens as writing with the
  /// weights; the prompt's rows to 1 ulp, the written tokens' rows (read by
  /// the flash kernel here, by the decode kernel there) to float rounding;
  /// and each streamed row is the recording's row.
  @Test func aDecoderWritesKeepingRecords() throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    tiny.seed = 99
    tiny.hasEndOfSequence = false
    let model = try #require(
      try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-write-records")) as? any GenerativeModel)
    let prompt = randomEncoding(count: 133, vocabulary: tiny.vocabularySize, seed: 17)
    let options = GenerationOptions(maxTokens: 9, temperature: 0.8, seed: 5)
    var streamed: [Tensor] = []
    let recorded = try model.generateRecorded(prompt: prompt, options: options) { streamed.append($0.attention) }
    let full = try model.generate(prompt: prompt, options: options) { _ in }
    #expect(recorded.generatedIds == full.generatedIds && recorded.text == full.text && recorded.stop == full.stop)
    #expect(recorded.promptTokenCount == 133 && recorded.recording.tokens == full.attention.tokens)
    let attention = full.attention
    let count = attention.tokens.count
    #expect(count == 142)
    var promptUlps = 0
    var writtenError: Float = 0
    for layer in 0..<attention.layerCount {
      for head in 0..<attention.headCount {
        let block = try recorded.recording.weights(layer: layer, head: head, rows: 0..<count, columns: 0..<count)
        for row in 0..<count {
          for column in 0..<count {
            let a = block.scalars[row * count + column]
            let b = attention.attentions.scalars[((layer * attention.headCount + head) * count + row) * count + column]
            if row < 133 {
              promptUlps = max(promptUlps, a == b ? 0 : abs(Int(a.bitPattern) - Int(b.bitPattern)))
            } else {
              writtenError = max(writtenError, abs(a - b))
            }
          }
        }
        // Token t was chosen from the row of the token before it.
        for (index, row) in streamed.enumerated() {
          let position = 132 + index
          let expected = try recorded.recording.weights(
            layer: layer, head: head, rows: position..<(position + 1), columns: 0..<(position + 1))
          let got = Array(row.scalars[((layer * attention.headCount + head) * (position + 1))...].prefix(position + 1))
          #expect(got == expected.scalars, "token \(index), head \(layer).\(head)")
        }
      }
    }
    #expect(promptUlps <= 1 && writtenError < 1e-5, "prompt \(promptUlps) ulps, written \(writtenError)")
    #expect(throws: DecoderError.self) {
      try model.generateRecorded(prompt: prompt, options: GenerationOptions(recordsValues: true)) { _ in }
    }
  }

  @Test func refusesHeadsAndPositionsOutsideTheRun() throws {
    let tiny = TinyBert(seed: 0x10C1)
    let model = try BertModel(contentsOf: try tiny.writeFolder())
    let recording = try model.record(randomEncoding(count: 9, vocabulary: tiny.vocabularySize, seed: 3))
    #expect(throws: LensError.self) { try recording.weights(layer: 2, head: 0, rows: 0..<1, columns: 0..<1) }
    #expect(throws: LensError.self) { try recording.weights(layer: 0, head: 2, rows: 0..<1, columns: 0..<1) }
    #expect(throws: LensError.self) { try recording.weights(layer: 0, head: 0, rows: 0..<10, columns: 0..<1) }
    #expect(throws: LensError.self) { try recording.overview(layer: 0, head: 0, columns: 3..<3, size: 4) }
    #expect(throws: LensError.self) { try recording.overview(layer: 0, head: 0, size: 0) }
    #expect(try recording.weights(layer: 1, head: 1, rows: 4..<4, columns: 0..<9).shape == [0, 9])
  }

  /// A family that keeps no records answers with its weights through the same calls.
  @Test func weightsAnswerTheSameCalls() throws {
    let tiny = TinyBert(seed: 0x10C2)
    let model = try BertModel(contentsOf: try tiny.writeFolder())
    let encoding = randomEncoding(count: 11, vocabulary: tiny.vocabularySize, seed: 4)
    let full = try model.run(encoding, options: RunOptions()).attention
    let dense = AttentionRecording(full)
    #expect(!dense.keepsRecords && dense.byteCount == 4 * full.attentions.count + labelBytes(encoding))
    try expectBlocksMatch(dense, full, samples: 4, seed: 5)
  }
}

/// The default models at lengths a viewer that keeps every weight struggles with.
@Suite struct AttentionRecordingModelTests {
  @Test(.enabled(if: miniLMAvailable, "no all-MiniLM-L6-v2 (scripts/fetch-model)"))
  func miniLMsRecordsGiveItsWeights() throws {
    let model = try miniLM.get()
    let text = Array(repeating: "The quick brown fox jumps over the lazy dog near the river bank.", count: 40)
      .joined(separator: " ")
    let encoding = try model.tokenize(text)
    #expect(encoding.ids.count == 512)
    try compare(model, encoding, samples: 3)
  }

  @Test(.enabled(if: smolLM2Available, "the decoder is not fetched (scripts/fetch-model --decoder)"))
  func smolLM2sRecordsGiveItsWeights() throws {
    let model = try ModelLoader.load(contentsOf: smolLM2Path)
    var random = SplitMix64(seed: 77)
    let ids = [1] + (0..<200).map { _ in Int.random(in: 100..<49_000, using: &random) }
    let encoding = Encoding(
      tokens: ids.map(String.init), ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: ids.count)
    try compare(model, encoding, samples: 1)
  }

  private func compare(_ model: any AttentionModel, _ encoding: Encoding, samples: Int) throws {
    let recording = try model.record(encoding)
    #expect(recording.keepsRecords)
    let full = try model.run(encoding, options: RunOptions()).attention
    let count = encoding.ids.count
    var random = SplitMix64(seed: UInt64(count))
    var mismatched = 0
    var compared = 0
    for layer in 0..<full.layerCount {
      for head in 0..<full.headCount {
        for _ in 0..<samples {
          let rowStart = Int.random(in: 0..<(count - 61), using: &random)
          let columnStart = Int.random(in: 0..<(count - 139), using: &random)
          let (rows, columns) = (rowStart..<(rowStart + 61), columnStart..<(columnStart + 139))
          let block = try recording.weights(layer: layer, head: head, rows: rows, columns: columns)
          for (i, row) in rows.enumerated() {
            for (j, column) in columns.enumerated() {
              let expected = full.attentions.scalars[((layer * full.headCount + head) * count + row) * count + column]
              let got = block.scalars[i * columns.count + j]
              if got != expected && abs(Int(got.bitPattern) - Int(expected.bitPattern)) > 1 { mismatched += 1 }
              compared += 1
            }
          }
        }
      }
    }
    #expect(mismatched == 0, "\(mismatched) of \(compared) weights more than 1 ulp from the full run")
    // Kept: less than the weights, already at these lengths.
    #expect(recording.byteCount < 4 * full.attentions.count)
  }
}
