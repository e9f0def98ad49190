import AttentionTestSupport
import Foundation
import TensorIO
import Testing
import TransformerModels

/// Random attention maps: rows of a softmax over normal scores, `[N, H, L, L]`,
/// causal ones zero right of the diagonal; with the Float64 rows they came from.
private func randomMaps(
  layers: Int, heads: Int, length: Int, causal: Bool, using random: inout BertTestRandom
) -> (tensor: Tensor, rows: [[Double]]) {
  var rows: [[Double]] = []
  for _ in 0..<(layers * heads) {
    for row in 0..<length {
      let visible = causal ? row + 1 : length
      var weights = (0..<length).map { $0 < visible ? exp(2 * random.normal(deviation: 1)) : 0 }
      let total = weights.reduce(0, +)
      for column in weights.indices { weights[column] /= total }
      rows.append(weights)
    }
  }
  return (
    Tensor(shape: [layers, heads, length, length], scalars: rows.joined().map { Float($0) }),
    rows.map { $0.map { Double(Float($0)) } }
  )
}

/// `a · b` in Float64.
private func product(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
  a.map { row in
    (0..<b[0].count).map { column in row.indices.reduce(0.0) { $0 + row[$1] * b[$1][column] } }
  }
}

/// Each layer's head mean with the residual, `0.5·A + 0.5·I`, rows renormalised.
private func residualMixedReference(_ rows: [[Double]], layers: Int, heads: Int, length: Int) -> [[[Double]]] {
  (0..<layers).map { layer in
    let mixed = (0..<length).map { row in
      (0..<length).map { column in
        (0..<heads).reduce(0.0) { $0 + rows[(layer * heads + $1) * length + row][column] } / Double(heads) * 0.5
          + (row == column ? 0.5 : 0)
      }
    }
    return mixed.map { row in row.map { $0 / row.reduce(0, +) } }
  }
}

/// Attention rollout from its definition: head means, `0.5·A + 0.5·I`,
/// rows renormalised, an explicit product of matrices.
private func rolloutReference(_ rows: [[Double]], layers: Int, heads: Int, length: Int) -> [[[Double]]] {
  var result: [[[Double]]] = []
  for mixed in residualMixedReference(rows, layers: layers, heads: heads, length: length) {
    result.append(result.isEmpty ? mixed : product(mixed, result[result.count - 1]))
  }
  return result
}

/// The maximum flow from `source` to `sink` over a dense capacity matrix,
/// by Edmonds–Karp: shortest augmenting paths found breadth first.
private func edmondsKarp(_ capacity: [[Double]], from source: Int, to sink: Int) -> Double {
  var residual = capacity
  var total = 0.0
  while true {
    var parent = [Int](repeating: -1, count: capacity.count)
    parent[source] = source
    var queue = [source]
    while !queue.isEmpty, parent[sink] < 0 {
      let node = queue.removeFirst()
      for next in capacity.indices where parent[next] < 0 && residual[node][next] > 1e-12 {
        parent[next] = node
        queue.append(next)
      }
    }
    guard parent[sink] >= 0 else { return total }
    var bottleneck = Double.infinity
    var node = sink
    while node != source {
      bottleneck = min(bottleneck, residual[parent[node]][node])
      node = parent[node]
    }
    node = sink
    while node != source {
      residual[parent[node]][node] -= bottleneck
      residual[node][parent[node]] += bottleneck
      node = parent[node]
    }
    total += bottleneck
  }
}

/// Attention flow from its definition: for each layer `l`, a graph of the
/// tokens below layer 1 to above layer `l`, edges carrying the residual
/// mixed weights, a maximum flow per pair of input and output token, each
/// row divided by its sum.
private func flowReference(_ rows: [[Double]], layers: Int, heads: Int, length: Int) -> [[[Double]]] {
  let mixed = residualMixedReference(rows, layers: layers, heads: heads, length: length)
  return (1...layers).map { top in
    let nodes = (top + 1) * length
    var capacity = [[Double]](repeating: [Double](repeating: 0, count: nodes), count: nodes)
    for layer in 1...top {
      for above in 0..<length {
        for below in 0..<length {
          capacity[(layer - 1) * length + below][layer * length + above] = mixed[layer - 1][above][below]
        }
      }
    }
    return (0..<length).map { token in
      let row = (0..<length).map { edmondsKarp(capacity, from: $0, to: top * length + token) }
      return row.map { $0 / row.reduce(0, +) }
    }
  }
}

@Suite struct LensTests {
  @Test func theFlowLensRefusesTextsPastItsLimit() throws {
    var random = BertTestRandom(seed: 0xF11)
    for (length, allowed) in [(9, true), (AttentionLens.flowTokenLimit + 1, false)] {
      let (maps, _) = randomMaps(layers: 1, heads: 1, length: length, causal: true, using: &random)
      let run = ModelRun(
        attention: ModelAttention(tokens: (0..<length).map { "t\($0)" }, attentions: maps, kind: .causal))
      if allowed {
        #expect(try AttentionLens.flow.apply(to: run).attentions.shape == [1, 1, length, length])
      } else {
        #expect(throws: LensError.self) { try AttentionLens.flow.apply(to: run) }
      }
    }
  }

  @Test(arguments: [(3, 2, 5, false), (2, 3, 6, true), (1, 1, 1, false), (4, 2, 4, true), (1, 3, 5, false)])
  func flowIsTheMaximumFlowThroughTheLayers(layers: Int, heads: Int, length: Int, causal: Bool) throws {
    var random = BertTestRandom(seed: 0xF10 + UInt64(length * 7 + layers))
    let (maps, rows) = randomMaps(layers: layers, heads: heads, length: length, causal: causal, using: &random)
    let flow = try attentionFlow(maps)
    #expect(flow.shape == [layers, length, length])
    let reference = flowReference(rows, layers: layers, heads: heads, length: length)
    let error = maximumDifference(flow.scalars, reference.joined().joined())
    #expect(error < 1e-6, "largest difference \(error)")
    // One layer: a single edge joins each input to each output, so the flow is the mixed row.
    let mixed = residualMixedReference(rows, layers: layers, heads: heads, length: length)[0]
    #expect(maximumDifference(Array(flow.scalars.prefix(length * length)), mixed.joined()) < 1e-6)
    if causal {
      for layer in 0..<layers {
        for row in 0..<length {
          #expect((row + 1..<length).allSatisfy { flow[layer, row, $0] == 0 }, "a later token has no path back")
        }
      }
    }
  }

  @Test(arguments: [(3, 5, 11, false), (4, 3, 13, true), (1, 1, 1, false), (2, 7, 17, true)])
  func rolloutIsTheProductOfTheResidualMixedLayers(layers: Int, heads: Int, length: Int, causal: Bool) throws {
    var random = BertTestRandom(seed: 0x5011 + UInt64(length))
    let (maps, rows) = randomMaps(layers: layers, heads: heads, length: length, causal: causal, using: &random)
    let rollout = try attentionRollout(maps)
    #expect(rollout.shape == [layers, length, length])
    let reference = rolloutReference(rows, layers: layers, heads: heads, length: length)
    let error = maximumDifference(rollout.scalars, reference.joined().joined())
    #expect(error < 2e-6, "rollout differs from the explicit product by \(error)")
    for layer in 0..<layers {
      for row in 0..<length {
        let start = (layer * length + row) * length
        let sum = rollout.scalars[start..<start + length].reduce(0, +)
        #expect(abs(sum - 1) < 1e-5, "layer \(layer) row \(row) sums to \(sum)")
        if causal {
          #expect(rollout.scalars[start + row + 1..<start + length].allSatisfy { $0 == 0 })
        }
      }
    }
  }

  @Test func rolloutRefusesMapsThatAreNotLayersHeadsTokens() {
    #expect(throws: LensError.self) { try attentionRollout(Tensor.zeros([2, 3, 4])) }
    #expect(throws: LensError.self) { try attentionRollout(Tensor.zeros([2, 3, 4, 5])) }
  }

  /// `‖αᵢⱼ · W_O^h vⱼ‖` from raw value vectors and output weights, in Float64,
  /// for grouped (6 query heads on 2 value heads) and plain multi-head attention.
  @Test(arguments: [(2, 6, 2, 7, 5, 9), (3, 3, 3, 11, 4, 13), (1, 1, 1, 1, 3, 2)])
  func valueNormsWeighEachWeightByWhatItsValueAdds(
    layers: Int, heads: Int, valueHeads: Int, length: Int, width: Int, model: Int
  ) throws {
    var random = BertTestRandom(seed: 0x7A1E + UInt64(length * heads))
    let (maps, rows) = randomMaps(layers: layers, heads: heads, length: length, causal: false, using: &random)
    let values = (0..<(layers * valueHeads * length * width)).map { _ in Float(random.normal(deviation: 1)) }
    let weights = (0..<(layers * model * heads * width)).map { _ in Float(random.normal(deviation: 0.5)) }
    let headValues = HeadValues(
      values: Tensor(shape: [layers, valueHeads, length, width], scalars: values),
      outputWeights: Tensor(shape: [layers, model, heads * width], scalars: weights))
    let norms = try valueWeightedNorms(maps, values: headValues)
    #expect(norms.shape == [layers, heads, length, length])
    var reference: [Double] = []
    for layer in 0..<layers {
      for head in 0..<heads {
        let valueHead = head / (heads / valueHeads)
        let contributions = (0..<length).map { token -> Double in
          let vector = (0..<width).map { Double(values[((layer * valueHeads + valueHead) * length + token) * width + $0]) }
          let moved = (0..<model).map { output in
            (0..<width).reduce(0.0) { sum, index in
              sum + Double(weights[(layer * model + output) * heads * width + head * width + index]) * vector[index]
            }
          }
          return moved.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        for row in 0..<length {
          reference += (0..<length).map { rows[(layer * heads + head) * length + row][$0] * contributions[$0] }
        }
      }
    }
    let error = maximumDifference(norms.scalars, reference)
    let largest = reference.map(abs).max()!
    #expect(error <= 1e-5 * largest, "value norms differ by \(error) (largest \(largest))")
  }

  @Test func valueNormsRefuseValuesOfAnotherRun() {
    let values = HeadValues(values: Tensor.zeros([2, 1, 4, 3]), outputWeights: Tensor.zeros([2, 5, 6]))
    #expect(throws: LensError.self) { try valueWeightedNorms(Tensor.zeros([2, 2, 5, 5]), values: values) }
    #expect(throws: LensError.self) {
      try AttentionLens.valueNorm.apply(
        to: ModelRun(
          attention: ModelAttention(tokens: ["a"], attentions: Tensor.zeros([1, 1, 1, 1]), kind: .causal)))
    }
  }

  /// The tiny BERT's value norms against the Float64 forward pass, from the
  /// safetensors weights: the seam's values and output weights are the model's own.
  @Test(arguments: [1, 6, 13])
  func tinyBertValueNormsMatchTheFloat64Definition(length: Int) throws {
    let model = TinyBert(seed: 0x1E25 + UInt64(length))
    let bert = try BertModel(contentsOf: try model.writeFolder())
    var random = BertTestRandom(seed: UInt64(length))
    let ids = (0..<length).map { _ in Int.random(in: 0..<model.vocabularySize, using: &random) }
    let encoding = Encoding(
      tokens: ids.map(String.init), ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: length)
    let run = try bert.run(encoding, options: RunOptions(recordsValues: true))
    let lensed = try AttentionLens.valueNorm.apply(to: run)
    let reference = BertFloat64Reference(model: model).forward(ids: ids, typeIds: encoding.typeIds)
    let expected = reference.valueNorms.joined().joined().joined()
    let error = maximumDifference(lensed.attentions.scalars, expected)
    let largest = expected.map(abs).max()!
    #expect(error <= 1e-4 * largest, "value norms differ by \(error) (largest \(largest))")
    #expect(try bert.run(encoding, options: RunOptions()).values == nil)
  }

  /// A decoder's recorded values are its cache: layer 0's equal the first
  /// RMSNorm of the embeddings times `attn_v`, in Float64 from the file, and
  /// the output weights are `attn_output` as stored.
  @Test func tinyLlamaValuesAreTheFirstLayersValueProjection() throws {
    let tiny = TinyLlama()
    let path = try tiny.writeFile(name: "tiny-llama-values")
    let model = try ModelLoader.load(contentsOf: path)
    let encoding = try model.tokenize("the cat at the hat")
    let run = try model.run(encoding, options: RunOptions(recordsValues: true))
    let values = try #require(run.values)
    let headSize = tiny.hiddenSize / tiny.headCount
    let length = encoding.ids.count
    #expect(values.values.shape == [tiny.layerCount, tiny.keyValueHeadCount, length, headSize])
    #expect(values.outputWeights.shape == [tiny.layerCount, tiny.hiddenSize, tiny.hiddenSize])
    let file = try GGUFFile(contentsOf: path)
    func tensor(_ name: String) throws -> [Float] { try file.dequantize(try #require(file.tensor(named: name))).scalars }
    let (embedding, norm, valueWeights) = (
      try tensor("token_embd.weight"), try tensor("blk.0.attn_norm.weight"), try tensor("blk.0.attn_v.weight")
    )
    let width = tiny.hiddenSize
    var expected = [Double](repeating: 0, count: tiny.keyValueHeadCount * length * headSize)
    for (token, id) in encoding.ids.enumerated() {
      let x = (0..<width).map { Double(embedding[id * width + $0]) }
      let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(width) + 1e-5).squareRoot()
      let normed = (0..<width).map { x[$0] * scale * Double(norm[$0]) }
      for column in 0..<(tiny.keyValueHeadCount * headSize) {
        let value = (0..<width).reduce(0.0) { $0 + Double(valueWeights[column * width + $1]) * normed[$1] }
        let (head, index) = column.quotientAndRemainder(dividingBy: headSize)
        expected[(head * length + token) * headSize + index] = value
      }
    }
    let firstLayer = values.values.scalars.prefix(expected.count)
    let error = maximumDifference(firstLayer, expected)
    #expect(error < 1e-4, "layer 0's values differ by \(error)")
    for layer in 0..<tiny.layerCount {
      let stored = try tensor("blk.\(layer).attn_output.weight")
      let start = layer * width * width
      #expect(Array(values.outputWeights.scalars[start..<start + width * width]) == stored)
    }
  }
}
