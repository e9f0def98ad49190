import Foundation
import TransformerModels

/// A generation run with random causal attention, for figure and page tests
/// while no decoder runs in them: every map's row `i` is positive over keys
/// `0...i`, sums to 1 in Float64 before it is rounded to Float32, and is 0
/// past `i`; weights are the softmax of N(0, 1.5²) scores, so that rows
/// have a few strong keys and many weak ones, as attention does.
///
/// Legend: `N` layers, `H` heads, `P` prompt tokens, `G` generated tokens.
///
/// - Parameters:
///   - layerCount: `N`; `headCount`: `H`.
///   - promptTokenCount: `P ≥ 1`; `generatedCount`: `G ≥ 0`.
/// - Returns: tokens labelled `p0…` for the prompt and `g0…` for what was
///   written (ids counting from 0), attention `[N, H, P + G, P + G]`.
public func randomCausalRun(
  layerCount: Int, headCount: Int, promptTokenCount: Int, generatedCount: Int, seed: UInt64
) -> GenerationRun {
  var random = BertTestRandom(seed: seed)
  let length = promptTokenCount + generatedCount
  var scalars = [Float](repeating: 0, count: layerCount * headCount * length * length)
  for map in 0..<(layerCount * headCount) {
    for query in 0..<length {
      let scores = (0...query).map { _ in exp(random.normal(deviation: 1.5)) }
      let total = scores.reduce(0, +)
      for key in 0...query { scalars[(map * length + query) * length + key] = Float(scores[key] / total) }
    }
  }
  let tokens = (0..<promptTokenCount).map { "p\($0)" } + (0..<generatedCount).map { "g\($0)" }
  let attention = ModelAttention(
    tokens: tokens, attentions: Tensor(shape: [layerCount, headCount, length, length], scalars: scalars),
    kind: .causal)
  return GenerationRun(
    attention: attention, promptTokenCount: promptTokenCount,
    generatedIds: Array(promptTokenCount..<length), text: tokens[promptTokenCount...].joined(separator: " "),
    stop: .maxTokens)
}
