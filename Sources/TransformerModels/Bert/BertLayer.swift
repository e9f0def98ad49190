/// The weights of one encoder layer: self-attention, then a feed-forward block,
/// each followed by a residual connection and LayerNorm.
///
/// Legend: `D` hidden size, `F` intermediate size.
struct BertLayer: Sendable {
  /// `[3D, D]`: the query, key and value projections stacked, so one GEMM computes all three.
  let queryKeyValue: DenseLayer
  /// `[D, D]`: mixes the heads' merged context back into the hidden state.
  let attentionOutput: DenseLayer
  let attentionNorm: LayerNormalization
  /// `[F, D]`, followed by GELU.
  let intermediate: DenseLayer
  /// `[D, F]`.
  let output: DenseLayer
  let outputNorm: LayerNormalization
}
