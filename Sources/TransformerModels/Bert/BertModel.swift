import AttentionCore

/// A BERT encoder that records its attention, with the weights of a Hugging
/// Face checkpoint (`BertModel`, or the encoder inside `BertForX`).
///
/// Legend: `B` sequences, `L` tokens (padded to the longest), `D` hidden
/// size, `H` heads, `d = D / H` head size, `F` intermediate size, `V`
/// vocabulary, `P` positions, `T` token types.
///
/// ```swift
/// let model = try BertModel(contentsOf: modelFolder)
/// let encoding = try model.tokenizer.encode("hello world")
/// let output = try model.forward(ids: encoding.ids)  // [101, 7592, 2088, 102]
/// output.attentions       // [6, 12, 4, 4] for all-MiniLM-L6-v2
/// output.sentenceEmbedding  // [384], unit length
/// ```
public struct BertModel: Sendable {
  /// The sizes the weights were checked against.
  public let config: BertConfig
  /// The WordPiece tokenizer of the model's `vocab.txt`.
  public let tokenizer: WordPieceTokenizer
  /// `[V, D]`.
  let wordEmbeddings: Tensor
  /// `[P, D]`.
  let positionEmbeddings: Tensor
  /// `[T, D]`.
  let tokenTypeEmbeddings: Tensor
  let embeddingNorm: LayerNormalization
  let layers: [BertLayer]

  /// Runs the encoder on one sequence.
  ///
  /// - Parameters:
  ///   - ids: `[L]` vocabulary indices, special tokens included (`[CLS] … [SEP]`).
  ///   - typeIds: `[L]` segment of each token (0 for the first text, 1 for
  ///     the second of a pair); nil for all 0.
  /// - Returns: the hidden states `[L, D]`, attentions `[layers, H, L, L]` and
  ///   the sentence embedding `[D]`.
  /// - Throws: `BertModelError` for an empty or too long sequence, an id
  ///   outside the vocabulary, or type ids that do not fit.
  public func forward(ids: [Int], typeIds: [Int]? = nil) throws(BertModelError) -> BertOutput {
    try forward(batch: [(ids, typeIds ?? Array(repeating: 0, count: ids.count))])[0]
  }

  /// Runs the encoder on several sequences at once, padded to the longest.
  ///
  /// Padding is masked out of the attention, so each output equals what
  /// `forward(ids:typeIds:)` gives for that sequence alone (up to rounding),
  /// and is cut to the sequence's own length.
  ///
  /// - Parameters:
  ///   - batch: `B` sequences of ids `[Lᵢ]` and type ids `[Lᵢ]`.
  ///   - recordsValues: whether each output keeps every layer's value
  ///     vectors (`BertOutput.values`).
  ///   - ablation: heads whose context is replaced (by zero, or by its mean
  ///     over each sequence's tokens) before the output projection.
  /// - Returns: `B` outputs, in order.
  /// - Throws: `BertModelError` naming the sequence at fault.
  public func forward(
    batch: [(ids: [Int], typeIds: [Int])], recordsValues: Bool = false, ablation: HeadAblation? = nil
  ) throws(BertModelError) -> [BertOutput] {
    var records: [AttentionRecord]? = nil
    return try forward(batch: batch, recordsValues: recordsValues, ablation: ablation, records: &records)
  }

  /// `forward(batch:recordsValues:ablation:)`; with `records` not nil (and
  /// one sequence), each layer's `AttentionRecord` is appended to it
  /// instead of its weights being kept, and the outputs' `attentions` are
  /// `[N, H, 0, 0]`.
  func forward(
    batch: [(ids: [Int], typeIds: [Int])], recordsValues: Bool, ablation: HeadAblation?,
    records: inout [AttentionRecord]?
  ) throws(BertModelError) -> [BertOutput] {
    try checkInputs(batch)
    precondition(records == nil || batch.count == 1, "records are kept for one sequence at a time")
    let keepsRecords = records != nil
    let lengths = batch.map(\.ids.count)
    let width = config.hiddenSize
    let sequenceLength = lengths.max() ?? 0  // L
    let batchSize = batch.count  // B
    let padded = lengths.contains { $0 != sequenceLength }

    var hidden = embed(batch, sequenceLength: sequenceLength)  // [B·L, D]
    var attentions = lengths.map { length in
      [Float](repeating: 0, count: keepsRecords ? 0 : config.layerCount * config.headCount * length * length)
    }  // B × [layers, H, Lᵢ, Lᵢ]
    var recordedValues: [[Float]] = recordsValues ? lengths.map { _ in [] } : []  // B × [layers, H, Lᵢ, d]
    for (index, layer) in layers.enumerated() {
      // Self-attention: one GEMM for Q, K and V, then per-head scaled dot-product attention.
      let queryKeyValue = layer.queryKeyValue.multiply(hidden)  // [B·L, 3D], bias not yet added
      let (queries, keys, values) = splitHeads(
        queryKeyValue, bias: layer.queryKeyValue.bias, batch: batchSize, length: sequenceLength)
      var context: Tensor
      if keepsRecords {
        // One sequence, so nothing is padded; the shapes come from splitHeads.
        let record: AttentionRecord
        (context, record) = try! scaledDotProductAttentionRecorded(queries: queries, keys: keys, values: values)
        records?.append(record)
      } else {
        let attentionWeights: Tensor
        (context, attentionWeights) = BertModel.attend(
          queries: queries, keys: keys, values: values, validLengths: padded ? lengths : nil)
        record(attentionWeights, layer: index, lengths: lengths, into: &attentions)
      }
      if let ablation {
        ablate(&context, heads: ablation.heads(of: index), mode: ablation.mode, lengths: lengths)
      }
      if recordsValues { record(values, lengths: lengths, into: &recordedValues) }
      let merged = mergeHeads(context)  // [B·L, D]
      // Add & norm around the attention block, then the feed-forward block.
      // Each bias joins the pass that follows its GEMM.
      let attended = layer.attentionNorm(  // [B·L, D]
        layer.attentionOutput.multiply(merged), inputBias: layer.attentionOutput.bias, residual: hidden)
      let intermediate = layer.intermediate.multiplyAddingBiasThenGELU(attended)  // [B·L, F]
      hidden = layer.outputNorm(  // [B·L, D]
        layer.output.multiply(intermediate), inputBias: layer.output.bias, residual: attended)
    }

    return (0..<batchSize).map { sequence in
      let length = lengths[sequence]
      let start = sequence * sequenceLength * width
      let lastHiddenState = Tensor(
        shape: [length, width], scalars: Array(hidden.scalars[start..<start + length * width]))
      return BertOutput(
        lastHiddenState: lastHiddenState,
        attentions: Tensor(
          shape: [config.layerCount, config.headCount, keepsRecords ? 0 : length, keepsRecords ? 0 : length],
          scalars: attentions[sequence]),
        sentenceEmbedding: BertModel.sentenceEmbedding(lastHiddenState),
        values: recordsValues
          ? Tensor(
            shape: [config.layerCount, config.headCount, length, config.headSize], scalars: recordedValues[sequence])
          : nil)
    }
  }

  /// Scaled dot-product attention over every head: the one call that a
  /// faster kernel replaces.
  ///
  /// - Parameters:
  ///   - queries: `[B, H, L, d]`.
  ///   - keys: `[B, H, L, d]`.
  ///   - values: `[B, H, L, d]`.
  ///   - validLengths: `[B]` tokens per sequence, the rest padding that no
  ///     query may attend to; nil when nothing is padded.
  /// - Returns: `context` `[B, H, L, d]` and `attentionWeights` `[B, H, L, L]`.
  static func attend(queries: Tensor, keys: Tensor, values: Tensor, validLengths: [Int]?) -> (
    context: Tensor, attentionWeights: Tensor
  ) {
    // The shapes come from splitHeads and the lengths from checkInputs, so this cannot throw;
    // every sequence has a token, so no row is fully masked.
    let mask = AttentionMask(validLengths: validLengths, causal: false)
    let (context, attentionWeights) = try! scaledDotProductAttentionWithWeights(
      queries: queries, keys: keys, values: values, mask: mask)
    return (context, attentionWeights)
  }
}
