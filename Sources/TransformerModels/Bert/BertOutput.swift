import AttentionCore

/// What the encoder computes for one sequence of `L` tokens.
///
/// Legend: `L` tokens, `D` hidden size, `N` layers, `H` heads.
public struct BertOutput: Equatable, Sendable {
  /// `[L, D]`: the last layer's hidden state of every token (`last_hidden_state`).
  public var lastHiddenState: Tensor
  /// `[N, H, L, L]`: every layer's attention weights; row `i` of a head is
  /// how query token `i` spreads its attention over the tokens, summing to 1.
  public var attentions: Tensor
  /// `[D]`: the mean of `lastHiddenState` over the tokens, scaled to unit
  /// length, as sentence-transformers' mean pooling + `Normalize` compute it.
  public var sentenceEmbedding: Tensor
  /// `[N, H, L, d]`: every layer's value vectors per head, bias included,
  /// when the run was asked to keep them.
  public var values: Tensor?

  public init(lastHiddenState: Tensor, attentions: Tensor, sentenceEmbedding: Tensor, values: Tensor? = nil) {
    self.lastHiddenState = lastHiddenState
    self.attentions = attentions
    self.sentenceEmbedding = sentenceEmbedding
    self.values = values
  }
}
