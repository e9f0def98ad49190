import AttentionTestSupport
import Foundation
import Testing
import TransformerModels

/// One `[1, 1, L, L]` map whose row `i` is `row(i)`.
private func singleMap(length: Int, _ row: (Int) -> [Double]) -> Tensor {
  Tensor(shape: [1, 1, length, length], scalars: (0..<length).flatMap { row($0).map { Float($0) } })
}

private func oneHot(_ column: Int, _ length: Int) -> [Double] {
  (0..<length).map { $0 == column ? 1 : 0 }
}

@Suite struct HeadAtlasTests {
  @Test(arguments: [AttentionKind.bidirectional, .causal])
  func identityIsSelf(kind: AttentionKind) throws {
    let atlas = try HeadAtlas(singleMap(length: 9) { oneHot($0, 9) }, kind: kind, sinks: [0])
    let head = atlas.heads[0][0]
    #expect(head.label == .self)
    #expect(head.selfWeight == 1 && head.entropy == 0 && head.distance == 0 && head.previous == 0)
  }

  @Test(arguments: [AttentionKind.bidirectional, .causal])
  func shiftedIdentityIsPreviousToken(kind: AttentionKind) throws {
    let atlas = try HeadAtlas(singleMap(length: 11) { oneHot(max($0 - 1, 0), 11) }, kind: kind, sinks: [0])
    let head = atlas.heads[0][0]
    #expect(head.label == .previousToken)
    #expect(head.previous == 1)
    #expect(abs(head.distance - 10.0 / 11) < 1e-12)
    #expect(abs(head.selfWeight - 1.0 / 11) < 1e-12)
  }

  @Test func shiftedTheOtherWayIsNextToken() throws {
    let atlas = try HeadAtlas(
      singleMap(length: 7) { oneHot(min($0 + 1, 6), 7) }, kind: .bidirectional, sinks: [0, 6])
    #expect(atlas.heads[0][0].label == .nextToken)
    #expect(atlas.heads[0][0].next == 1)
  }

  @Test(arguments: [AttentionKind.bidirectional, .causal])
  func allWeightOnTheFirstKeyIsSink(kind: AttentionKind) throws {
    let atlas = try HeadAtlas(singleMap(length: 12) { _ in oneHot(0, 12) }, kind: kind, sinks: [0])
    let head = atlas.heads[0][0]
    #expect(head.label == .sink)
    #expect(head.sink == 1)
    #expect(abs(head.distance - 5.5) < 1e-12)
  }

  @Test func uniformRowsAreBroadWithEntropyLogL() throws {
    let length = 13
    let atlas = try HeadAtlas(
      singleMap(length: length) { _ in Array(repeating: 1 / Double(length), count: length) },
      kind: .bidirectional, sinks: [0, length - 1])
    let head = atlas.heads[0][0]
    #expect(head.label == .broad)
    #expect(abs(head.entropy - log(Double(length))) < 1e-6)
    #expect(abs(head.sink - 2 / Double(length)) < 1e-6)
  }

  @Test func causalUniformRowsAreBroadWithTheirOwnEntropy() throws {
    let length = 10
    let atlas = try HeadAtlas(
      singleMap(length: length) { row in (0..<length).map { $0 <= row ? 1 / Double(row + 1) : 0 } },
      kind: .causal, sinks: [0])
    let head = atlas.heads[0][0]
    let expected = (1...length).reduce(0.0) { $0 + log(Double($1)) } / Double(length)
    #expect(abs(head.entropy - expected) < 1e-6)
    #expect(abs(HeadAtlas.uniformEntropy(length: length, kind: .causal) - expected) < 1e-12)
    #expect(head.label == .broad)
  }

  @Test func halfOnTwoPlacesIsMixed() throws {
    let length = 9
    let atlas = try HeadAtlas(
      singleMap(length: length) { row in
        (0..<length).map { column in (column == row ? 0.45 : 0) + (column == (row + 4) % length ? 0.55 : 0) }
      }, kind: .bidirectional, sinks: [0])
    #expect(atlas.heads[0][0].label == .mixed)
  }

  /// Every statistic against its definition in Float64 on random maps of several heads.
  @Test(arguments: [(2, 3, 1), (3, 4, 7), (1, 5, 16)])
  func statisticsMatchTheirDefinitions(layers: Int, heads: Int, length: Int) throws {
    var random = BertTestRandom(seed: 0xA71A5 + UInt64(length))
    var maps: [Double] = []
    for _ in 0..<(layers * heads * length) {
      var row = (0..<length).map { _ in exp(2 * random.normal(deviation: 1)) }
      let total = row.reduce(0, +)
      row = row.map { Double(Float($0 / total)) }
      maps += row
    }
    let sinks = [0, length - 1]
    let atlas = try HeadAtlas(
      Tensor(shape: [layers, heads, length, length], scalars: maps.map { Float($0) }), kind: .bidirectional,
      sinks: sinks)
    for layer in 0..<layers {
      for head in 0..<heads {
        let a = { (i: Int, j: Int) in maps[((layer * heads + head) * length + i) * length + j] }
        let rows = Double(length)
        let entropy =
          (0..<length).reduce(0.0) { sum, i in
            sum - (0..<length).reduce(0.0) { $0 + (a(i, $1) > 0 ? a(i, $1) * log(a(i, $1)) : 0) }
          } / rows
        let distance =
          (0..<length).reduce(0.0) { sum, i in
            sum + (0..<length).reduce(0.0) { $0 + a(i, $1) * Double(abs(i - $1)) }
          } / rows
        let previous = length > 1 ? (1..<length).reduce(0.0) { $0 + a($1, $1 - 1) } / (rows - 1) : 0
        let next = length > 1 ? (0..<(length - 1)).reduce(0.0) { $0 + a($1, $1 + 1) } / (rows - 1) : 0
        let selfWeight = (0..<length).reduce(0.0) { $0 + a($1, $1) } / rows
        let sink = (0..<length).reduce(0.0) { sum, i in sum + Set(sinks).reduce(0.0) { $0 + a(i, $1) } } / rows
        let measured = atlas.heads[layer][head]
        for (name, value, expected) in [
          ("entropy", measured.entropy, entropy), ("distance", measured.distance, distance),
          ("previous", measured.previous, previous), ("next", measured.next, next),
          ("self", measured.selfWeight, selfWeight), ("sink", measured.sink, sink),
        ] {
          #expect(abs(value - expected) < 1e-9, "layer \(layer) head \(head) \(name): \(value) vs \(expected)")
        }
      }
    }
  }

  @Test func csvHasTheDocumentedColumnsAndOneLinePerHead() throws {
    let maps = Tensor(
      shape: [2, 2, 3, 3],
      scalars: [Float](
        [
          [1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 0, 0, 1, 0, 0, 0, 1, 0],
          [1, 0, 0, 1, 0, 0, 1, 0, 0], [0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5],
        ].joined()))
    let lines = try HeadAtlas(maps, kind: .bidirectional, sinks: [0]).csv().split(separator: "\n")
    #expect(lines.count == 5)
    #expect(lines[0] == "layer,head,entropy,distance,previous,next,self,sink,label")
    #expect(lines[1] == "1,1,0.000000,0.000000,0.000000,0.000000,1.000000,0.333333,self")
    #expect(lines[2].hasPrefix("1,2,") && lines[2].hasSuffix(",previous-token"))
    #expect(lines[3].hasPrefix("2,1,") && lines[3].hasSuffix(",sink"))
  }

  @Test func refusesSinksPastTheTokens() {
    #expect(throws: LensError.self) { try HeadAtlas(Tensor.zeros([1, 1, 3, 3]), kind: .causal, sinks: [3]) }
  }

  @Test func meanOfAtlasesAveragesEachHead() throws {
    let first = try HeadAtlas(singleMap(length: 5) { oneHot($0, 5) }, kind: .bidirectional, sinks: [0])
    let second = try HeadAtlas(singleMap(length: 5) { _ in oneHot(0, 5) }, kind: .bidirectional, sinks: [0])
    let mean = HeadAtlas.mean(
      [first, second], uniformEntropy: HeadAtlas.uniformEntropy(length: 5, kind: .bidirectional))
    let head = mean.heads[0][0]
    #expect(abs(head.selfWeight - 0.6) < 1e-12)
    #expect(abs(head.sink - 0.6) < 1e-12)
    #expect(abs(head.distance - 1) < 1e-12)
  }
}

@Suite struct HeadAtlasModelTests {
  /// The atlas of several texts is the mean of each text's, whatever the
  /// batches, and an encoder's sinks are its special tokens.
  @Test func atlasOfTextsIsTheMeanOfEachTextsAtlas() throws {
    let model = try BertModel(contentsOf: try TinyBert(seed: 0xA71A).writeFolder())
    let vocabulary = TinyBert(seed: 0xA71A).vocabulary
    let texts = [[5, 6], [7], [8, 9, 10, 5, 6]].map { $0.map { vocabulary[$0] }.joined(separator: " ") }
    let encodings = try texts.map { try model.tokenize($0) }
    #expect(model.sinkPositions(of: encodings[0]) == [0, encodings[0].tokens.count - 1])
    let each = try encodings.map { encoding in
      try HeadAtlas(
        model.attention(for: encoding).attentions, kind: .bidirectional, sinks: model.sinkPositions(of: encoding))
    }
    let uniform =
      encodings.reduce(0.0) { $0 + HeadAtlas.uniformEntropy(length: $1.tokens.count, kind: .bidirectional) }
      / 3
    let expected = HeadAtlas.mean(each, uniformEntropy: uniform)
    var reported: [Int] = []
    for batchSize in [1, 2, 3] {
      let atlas = try model.headAtlas(of: encodings, batchSize: batchSize) { reported.append($0) }
      for (row, expectedRow) in zip(atlas.heads, expected.heads) {
        for (head, want) in zip(row, expectedRow) {
          #expect(abs(head.entropy - want.entropy) < 1e-5 && abs(head.sink - want.sink) < 1e-5)
          #expect(abs(head.distance - want.distance) < 1e-5 && abs(head.previous - want.previous) < 1e-5)
        }
      }
    }
    #expect(reported == [1, 2, 3, 2, 3, 3])
  }

  @Test func aDecodersSinkIsItsFirstToken() throws {
    let model = try ModelLoader.load(contentsOf: try TinyLlama().writeFile(name: "tiny-llama-atlas"))
    let encoding = try model.tokenize("<|im_start|>the cat")
    #expect(model.sinkPositions(of: encoding) == [0])
    #expect(model.textTokenizer.isSpecialToken("<|im_start|>") && !model.textTokenizer.isSpecialToken("cat"))
  }
}
