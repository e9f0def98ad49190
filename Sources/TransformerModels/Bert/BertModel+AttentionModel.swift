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
    let output = try forward(
      batch: [(encoding.ids, encoding.typeIds)], recordsValues: options.recordsValues)[0]
    let attention = ModelAttention(tokens: encoding.tokens, attentions: output.attentions, kind: .bidirectional)
    guard let values = output.values else { return ModelRun(attention: attention) }
    let weights = layers.flatMap(\.attentionOutput.weight.scalars)
    let width = config.hiddenSize
    return ModelRun(
      attention: attention,
      values: HeadValues(
        values: values, outputWeights: Tensor(shape: [config.layerCount, width, width], scalars: weights)))
  }
}

extension WordPieceTokenizer: TextTokenizer {
  public var maxLength: Int { options.maxLength }

  public func encode(_ text: String, pair: String?) throws -> Encoding {
    try encode(text, pair: pair, maxLength: nil)
  }

  public func isSpecialToken(_ label: String) -> Bool { options.specialTokens.contains(label) }
}
