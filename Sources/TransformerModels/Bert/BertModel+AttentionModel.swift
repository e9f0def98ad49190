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
  public func attention(for encoding: Encoding) throws -> ModelAttention {
    let output = try forward(ids: encoding.ids, typeIds: encoding.typeIds)
    return ModelAttention(tokens: encoding.tokens, attentions: output.attentions, kind: .bidirectional)
  }
}

extension WordPieceTokenizer: TextTokenizer {
  public var maxLength: Int { options.maxLength }

  public func encode(_ text: String, pair: String?) throws -> Encoding {
    try encode(text, pair: pair, maxLength: nil)
  }
}
