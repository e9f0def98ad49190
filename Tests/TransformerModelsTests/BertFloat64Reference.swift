import AttentionTestSupport
import Foundation

/// BERT's forward pass written plainly in Float64, from the definitions, for one sequence.
///
/// Kept independent of the library: its own loops for every step, the
/// attention weights through an explicit softmax, and GELU from `erf`.
struct BertFloat64Reference {
  let model: TinyBert

  /// `x Wᵀ + b` with PyTorch's `[out, in]` weight layout. `x`: `[L][in]`.
  private func linear(_ x: [[Double]], _ name: String) -> [[Double]] {
    let weight = model.weight(name + ".weight")
    let bias = model.weight(name + ".bias")
    let inputs = x[0].count
    let outputs = bias.count
    var result: [[Double]] = []
    for token in x {
      var row = bias
      for o in 0..<outputs {
        for i in 0..<inputs { row[o] += weight[o * inputs + i] * token[i] }
      }
      result.append(row)
    }
    return result
  }

  /// LayerNorm of `a + b`, row by row, with the biased variance.
  private func addAndNorm(_ a: [[Double]], _ b: [[Double]], _ name: String) -> [[Double]] {
    let gamma = model.weight(name + ".weight")
    let beta = model.weight(name + ".bias")
    var result: [[Double]] = []
    for (x, y) in zip(a, b) {
      var token = x
      for c in token.indices { token[c] += y[c] }
      let count = Double(token.count)
      var mean = 0.0
      for value in token { mean += value / count }
      var variance = 0.0
      for value in token { variance += (value - mean) * (value - mean) / count }
      let scale = 1 / (variance + model.layerNormEpsilon).squareRoot()
      for c in token.indices { token[c] = (token[c] - mean) * scale * gamma[c] + beta[c] }
      result.append(token)
    }
    return result
  }

  /// - Returns: `hidden` `[L][D]`, `attentions` `[layers][H][L][L]`, and
  ///   `valueNorms` `[layers][H][L][L]`: `‖αᵢⱼ · W_O[:, head] vⱼ‖`, each
  ///   weight times the length of what its value adds through the head's
  ///   columns of the output projection (Kobayashi et al., 2020).
  /// - Parameters:
  ///   - ablated: heads `(layer, head)` whose context is replaced before the
  ///     output projection: by zero, or with `meanAblation` by its mean over the tokens.
  func forward(ids: [Int], typeIds: [Int], ablated: Set<[Int]> = [], meanAblation: Bool = false) -> (
    hidden: [[Double]], attentions: [[[[Double]]]], valueNorms: [[[[Double]]]]
  ) {
    let width = model.hiddenSize
    let headSize = width / model.headCount
    let length = ids.count
    let words = model.weight("embeddings.word_embeddings.weight")
    let positions = model.weight("embeddings.position_embeddings.weight")
    let types = model.weight("embeddings.token_type_embeddings.weight")
    var embedded: [[Double]] = []
    for position in 0..<length {
      var token = [Double](repeating: 0, count: width)
      for c in 0..<width {
        token[c] =
          words[ids[position] * width + c] + positions[position * width + c]
          + types[typeIds[position] * width + c]
      }
      embedded.append(token)
    }
    let zeros = [[Double]](repeating: [Double](repeating: 0, count: width), count: length)
    var hidden = addAndNorm(embedded, zeros, "embeddings.LayerNorm")

    var attentions: [[[[Double]]]] = []
    var valueNorms: [[[[Double]]]] = []
    for layer in 0..<model.layerCount {
      let prefix = "encoder.layer.\(layer)."
      let queries = linear(hidden, prefix + "attention.self.query")
      let keys = linear(hidden, prefix + "attention.self.key")
      let values = linear(hidden, prefix + "attention.self.value")
      var context = zeros
      var layerWeights: [[[Double]]] = []
      for head in 0..<model.headCount {
        let columns = head * headSize..<(head + 1) * headSize
        var headWeights: [[Double]] = []
        for i in 0..<length {
          var scores = [Double](repeating: 0, count: length)
          for j in 0..<length {
            for c in columns { scores[j] += queries[i][c] * keys[j][c] }
            scores[j] /= Double(headSize).squareRoot()
          }
          let top = scores.max()!
          var weights = scores.map { exp($0 - top) }
          let total = weights.reduce(0, +)
          for j in 0..<length { weights[j] /= total }
          for j in 0..<length {
            for c in columns { context[i][c] += weights[j] * values[j][c] }
          }
          headWeights.append(weights)
        }
        layerWeights.append(headWeights)
      }
      attentions.append(layerWeights)
      for head in 0..<model.headCount where ablated.contains([layer, head]) {
        for c in head * headSize..<(head + 1) * headSize {
          let mean = meanAblation ? context.reduce(0.0) { $0 + $1[c] } / Double(length) : 0
          for i in 0..<length { context[i][c] = mean }
        }
      }
      let output = model.weight(prefix + "attention.output.dense.weight")
      valueNorms.append(
        (0..<model.headCount).map { head in
          let lengths = (0..<length).map { j -> Double in
            (0..<width).reduce(0.0) { sum, o in
              let moved = (head * headSize..<(head + 1) * headSize).reduce(0.0) {
                $0 + output[o * width + $1] * values[j][$1]
              }
              return sum + moved * moved
            }.squareRoot()
          }
          return layerWeights[head].map { row in (0..<length).map { row[$0] * lengths[$0] } }
        })
      let attended = addAndNorm(
        linear(context, prefix + "attention.output.dense"), hidden, prefix + "attention.output.LayerNorm")
      var intermediate = linear(attended, prefix + "intermediate.dense")
      for t in 0..<length {
        for c in intermediate[t].indices {
          let x = intermediate[t][c]
          intermediate[t][c] = x * 0.5 * (1 + erf(x / 2.0.squareRoot()))
        }
      }
      hidden = addAndNorm(
        linear(intermediate, prefix + "output.dense"), attended, prefix + "output.LayerNorm")
    }
    return (hidden, attentions, valueNorms)
  }
}
