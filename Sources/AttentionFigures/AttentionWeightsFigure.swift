import AttentionCore
import Heatmaps

/// The figure of a layer's attention weights, as `attn attend --plot` draws
/// them: `[Lq, Lk]` one panel, `[B, Lq, Lk]` a panel per batch element in
/// one row (or per head, when the weights are one sequence's heads), and
/// `[B, H, Lq, Lk]` a row per batch element and a column per head.
///
/// - Parameters:
///   - attentionWeights: `[Lq, Lk]`, `[B, Lq, Lk]` or `[B, H, Lq, Lk]`.
///   - headsAcross: whether the first axis of 3-D weights is heads, to title
///     the panels "Head 1", "Head 2"…
/// - Throws: `HeatmapError` for weights of another rank or an empty axis.
public func attentionWeightsFigure(_ attentionWeights: Tensor, headsAcross: Bool = false) throws(HeatmapError)
  -> HeatmapFigure
{
  let shape = attentionWeights.shape
  var titles: [String]?
  var rowTitles: [String]?
  var grid = attentionWeights
  switch shape.count {
  case 4:
    titles = (0..<shape[1]).map { "Head \($0 + 1)" }
    rowTitles = (0..<shape[0]).map { "Batch \($0 + 1)" }
  case 3:
    // Batches (or heads) across one row.
    grid = attentionWeights.reshaped([1] + shape)
    if headsAcross { titles = (0..<shape[0]).map { "Head \($0 + 1)" } }
  default:
    break
  }
  return try HeatmapFigure(
    matrices: grid, xlabel: "Keys", ylabel: "Queries", titles: titles, rowTitles: rowTitles)
}
