import AttentionCore
import Foundation

/// What switching heads off changed in one run: for an encoder, how far the
/// sentence embedding turned; for a decoder, how the next token's
/// distribution moved; for both, how much each layer's attention changed.
///
/// Legend: `N` layers, `V` vocabulary.
public struct AblationEffect: Sendable {
  /// The run as the model is, and with the heads off (outputs recorded).
  public var before: ModelRun
  public var after: ModelRun
  /// `[N]`: the mean absolute change of each layer's weights, over its
  /// heads and cells. Layers before the first ablated one do not change.
  public var attentionChange: [Double]
  /// The cosine between the sentence embeddings, for an encoder.
  public var embeddingCosine: Double?
  /// `KL(before ‖ after)` of the next token's distribution, in nats, for a decoder.
  public var nextTokenDivergence: Double?

  /// The measure a ranking of heads sorts by: `1 − cosine` for an
  /// encoder, the divergence for a decoder.
  public var change: Double { nextTokenDivergence ?? (1 - (embeddingCosine ?? 1)) }

  /// Compares two runs of the same encoding.
  public init(before: ModelRun, after: ModelRun) {
    self.before = before
    self.after = after
    let (a, b) = (before.attention.attentions, after.attention.attentions)
    let layerSize = a.count / max(a.shape[0], 1)
    attentionChange = (0..<a.shape[0]).map { layer in
      var sum = 0.0
      for index in layer * layerSize..<(layer + 1) * layerSize {
        sum += Double(abs(a.scalars[index] - b.scalars[index]))
      }
      return sum / Double(layerSize)
    }
    if let x = before.sentenceEmbedding, let y = after.sentenceEmbedding {
      let dot = zip(x.scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
      let norms = [x, y].map { $0.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
      embeddingCosine = dot / (norms[0] * norms[1])
    }
    if let p = before.nextTokenLogits, let q = after.nextTokenLogits {
      let (logP, logQ) = (logSoftmax(p.scalars), logSoftmax(q.scalars))
      nextTokenDivergence = zip(logP, logQ).reduce(0.0) { $0 + exp($1.0) * ($1.0 - $1.1) }
    }
  }

  /// The attention after minus before, `[N, H, L, L]`, on the run's tokens.
  public var attentionDifference: ModelAttention {
    let (a, b) = (before.attention, after.attention)
    let difference = zip(b.attentions.scalars, a.attentions.scalars).map { $0 - $1 }
    return ModelAttention(
      tokens: a.tokens, attentions: Tensor(shape: a.attentions.shape, scalars: difference), kind: a.kind)
  }

  /// The `count` likeliest next tokens of a run and their probabilities, likeliest first.
  public static func topTokens(of run: ModelRun, count: Int) -> [(id: Int, probability: Double)] {
    guard let logits = run.nextTokenLogits else { return [] }
    let logProbabilities = logSoftmax(logits.scalars)
    return logProbabilities.indices.sorted { logProbabilities[$0] > logProbabilities[$1] }.prefix(count).map {
      ($0, exp(logProbabilities[$0]))
    }
  }
}

/// `log softmax(x)` in Float64.
func logSoftmax(_ logits: [Float]) -> [Double] {
  let top = Double(logits.max() ?? 0)
  let total = logits.reduce(0.0) { $0 + exp(Double($1) - top) }
  let shift = top + log(total)
  return logits.map { Double($0) - shift }
}

extension AttentionModel {
  /// Runs `encoding` as the model is and with `ablation`'s heads off.
  public func ablationEffect(of ablation: HeadAblation, on encoding: Encoding) throws -> AblationEffect {
    let before = try run(encoding, options: RunOptions(recordsOutputs: true))
    let after = try run(encoding, options: RunOptions(recordsOutputs: true, ablation: ablation))
    return AblationEffect(before: before, after: after)
  }

  /// Every head switched off alone, ranked by how much that changes the
  /// output (`AblationEffect.change`), largest first (after Michel et al., 2019).
  ///
  /// - Parameter progress: called with the number of heads done.
  public func headRanking(
    on encoding: Encoding, mode: HeadAblation.Mode = .zero, progress: (Int) -> Void = { _ in }
  ) throws -> [(head: HeadIndex, change: Double)] {
    let before = try run(encoding, options: RunOptions(recordsOutputs: true))
    var ranking: [(head: HeadIndex, change: Double)] = []
    for layer in 0..<summary.layerCount {
      for head in 0..<summary.headCount {
        let index = HeadIndex(layer: layer, head: head)
        let after = try run(
          encoding, options: RunOptions(recordsOutputs: true, ablation: HeadAblation(heads: [index], mode: mode)))
        ranking.append((index, AblationEffect(before: before, after: after).change))
        progress(ranking.count)
      }
    }
    return ranking.sorted { $0.change > $1.change || ($0.change == $1.change && $0.head < $1.head) }
  }
}
