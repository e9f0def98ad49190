extension BertModel: AttentionModel {
  public var summary: ModelSummary {
    ModelSummary(
      architecture: "bert", layerCount: config.layerCount, headCount: config.headCount,
      maxTokens: min(config.maxPositions, tokenizer.options.maxLength), attentionKind: .bidirectional)
  }

  public var textTokenizer: any TextTokenizer { tokenizer }

  /// Runs the encoder on `encoding`'s ids and segments.
  ///
  /// - Throws: `BertModelError` for an empty or too long encoding or an id
  ///   outside the vocabulary.
  public func run(_ encoding: Encoding, options: RunOptions) throws -> ModelRun {
    try run(batch: [encoding], options: options)[0]
  }

  /// The encodings padded into one batch of the encoder, each run cut to its own length.
  public func run(batch encodings: [Encoding], options: RunOptions) throws -> [ModelRun] {
    if let ablation = options.ablation {
      try ablation.check(layerCount: config.layerCount, headCount: config.headCount)
    }
    let outputs = try forward(
      batch: encodings.map { ($0.ids, $0.typeIds) }, recordsValues: options.recordsValues,
      ablation: options.ablation)
    let width = config.hiddenSize
    let outputWeights =
      options.recordsValues
      ? Tensor(
        shape: [config.layerCount, width, width], scalars: layers.flatMap(\.attentionOutput.weight.scalars))
      : nil
    return zip(encodings, outputs).map { encoding, output in
      let attention = ModelAttention(
        tokens: encoding.tokens, attentions: output.attentions, kind: .bidirectional)
      var run = ModelRun(attention: attention)
      if let values = output.values, let outputWeights {
        run.values = HeadValues(values: values, outputWeights: outputWeights)
      }
      if options.recordsOutputs { run.sentenceEmbedding = output.sentenceEmbedding }
      return run
    }
  }
}

extension BertModel {
  /// Runs the encoder on `encoding` keeping each layer's `AttentionRecord`
  /// (queries, keys, and 8 bytes a query and head), not its weights.
  public func record(_ encoding: Encoding) throws -> AttentionRecording {
    var records: [AttentionRecord]? = []
    _ = try forward(batch: [(encoding.ids, encoding.typeIds)], recordsValues: false, ablation: nil, records: &records)
    let heads = (0..<config.layerCount).map { _ in
      (0..<config.headCount).map { AttentionRecording.HeadSource(record: 0, head: $0, firstRow: 0) }
    }
    return AttentionRecording(
      tokens: encoding.tokens, kind: .bidirectional, records: (records ?? []).map { [$0] }, heads: heads)
  }
}

extension BertModel {
  /// Per layer and head: the queries and keys (`2 · L · d` floats) and 8 bytes a query.
  public func recordingByteCount(tokens: Int) -> Int {
    config.layerCount * config.headCount * tokens * (8 * config.headSize + 8)
  }
}

extension WordPieceTokenizer: TextTokenizer {
  public var maxLength: Int { options.maxLength }

  public func encode(_ text: String, pair: String?) throws -> Encoding {
    try encode(text, pair: pair, maxLength: nil)
  }

  public func isSpecialToken(_ label: String) -> Bool { options.specialTokens.contains(label) }

  /// A piece spelled `##…` continues the word before it (the encoder's
  /// pre-tokenizer already made each CJK character a word of its own).
  public func wordIDs(of encoding: Encoding) -> [Int] {
    var words: [Int] = []
    var word = -1
    for (index, token) in encoding.tokens.enumerated() {
      let continues =
        index > 0 && token.hasPrefix("##") && !isSpecialToken(token) && !isSpecialToken(encoding.tokens[index - 1])
      if !continues { word += 1 }
      words.append(word)
    }
    return words
  }
}
