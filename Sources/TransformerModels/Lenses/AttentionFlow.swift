import AttentionCore

/// Attention flow (Abnar & Zuidema, 2020): how much of each input token can
/// reach each token after the first `l` layers, as the maximum flow through
/// the graph of the layers, the residual counted as half of every layer.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// The graph has a node per token before the first layer and after each
/// one; the edge from token `a` below layer `m` to token `b` above it has
/// capacity `Ãₘ[b, a]`, with `Ã = 0.5·Ā + 0.5·I` rows renormalised as in
/// `attentionRollout`. Row `i` of map `l` is the maximum flow from each
/// input token `j` to token `i` above layer `l + 1`, divided by the row's
/// sum so that it sums to 1 as attention does. Where rollout multiplies the
/// layers' weights along every path, flow is bounded by each path's
/// narrowest edge, so a token that reaches another by many thin paths and
/// one by a wide path differ.
///
/// Each cell is one maximum flow (Dinic's algorithm, in Float64) over up to
/// `(l + 1)·L` nodes and `l·L²` edges: `N·L²` flows in all, so the cost
/// grows about as `N²·L⁴` and the lens is for short texts (see
/// BENCHMARKS.md).
///
/// - Parameter attentions: `[N, H, L, L]`, rows summing to 1.
/// - Returns: `[N, L, L]`, map `l` the flow after layer `l + 1`.
/// - Throws: `LensError` when `attentions` is not `[N, H, L, L]` with `N, H ≥ 1`.
public func attentionFlow(_ attentions: Tensor) throws -> Tensor {
  try checkLayerMaps(attentions, for: "attention flow")
  let (layers, length) = (attentions.shape[0], attentions.shape[2])
  let area = length * length
  // capacities[m·L² + b·L + a]: from token a below layer m + 1 to token b above it.
  let capacities = (0..<layers).flatMap { residualMixed(attentions, layer: $0).map(Double.init) }
  var network = FlowNetwork(capacities: capacities, length: length)
  var flows = [Float](repeating: 0, count: layers * area)
  var row = [Double](repeating: 0, count: length)
  for layer in 0..<layers {
    for token in 0..<length {
      for input in 0..<length {
        row[input] = network.maximumFlow(from: input, to: token, above: layer + 1)
      }
      let sum = row.reduce(0, +)
      for input in 0..<length {
        flows[layer * area + token * length + input] = sum > 0 ? Float(row[input] / sum) : 0
      }
    }
  }
  return Tensor(shape: [layers, length, length], scalars: flows)
}

/// Layer `layer`'s weights averaged over its heads, the residual added as
/// `0.5·Ā + 0.5·I`, each row divided by its sum: `[L·L]`, row-major.
func residualMixed(_ attentions: Tensor, layer: Int) -> [Float] {
  let (heads, length) = (attentions.shape[1], attentions.shape[2])
  let area = length * length
  var mixed = [Float](repeating: 0, count: area)
  let scale = 0.5 / Float(heads)
  attentions.scalars.withUnsafeBufferPointer { maps in
    mixed.withUnsafeMutableBufferPointer { mixed in
      let first = maps.baseAddress! + layer * heads * area
      for index in 0..<area { mixed[index] = first[index] }
      for head in 1..<max(heads, 1) {
        let map = first + head * area
        for index in 0..<area { mixed[index] += map[index] }
      }
      for row in 0..<length {
        let cells = mixed.baseAddress! + row * length
        for column in 0..<length { cells[column] *= scale }
        cells[row] += 0.5
        var sum: Float = 0
        for column in 0..<length { sum += cells[column] }
        if sum > 0 {
          let reciprocal = 1 / sum
          for column in 0..<length { cells[column] *= reciprocal }
        }
      }
    }
  }
  return mixed
}

/// The layered graph of attention flow and Dinic's maximum flow over it.
/// Node `m·L + t` is token `t` above layer `m` (`m = 0`: the input); its
/// arcs go up to every token above layer `m + 1` (residual capacity
/// `c − f`) and down to every token below layer `m` (residual `f`).
private struct FlowNetwork {
  let capacities: [Double]
  let length: Int
  /// The flow on each edge, as `capacities` indexes them.
  var flow: [Double]
  var level: [Int]
  /// Each node's next arc to try in the current phase: `0..<L` up, `L..<2L` down.
  var nextArc: [Int]
  var queue: [Int]
  /// Residual capacities below this are taken as 0, so that rounding does
  /// not keep a phase alive.
  let epsilon = 1e-12

  init(capacities: [Double], length: Int) {
    self.capacities = capacities
    self.length = length
    flow = [Double](repeating: 0, count: capacities.count)
    let nodes = (capacities.count / max(length * length, 1) + 1) * length
    level = [Int](repeating: -1, count: nodes)
    nextArc = [Int](repeating: 0, count: nodes)
    queue = []
    queue.reserveCapacity(nodes)
  }

  /// The residual capacity of arc `arc` of `node`, and the node it leads to
  /// (nil when it leaves the graph below `top`).
  private func arc(_ arc: Int, of node: Int, top: Int) -> (residual: Double, to: Int, edge: Int, up: Bool)? {
    let (layer, token) = node.quotientAndRemainder(dividingBy: length)
    let area = length * length
    if arc < length {
      guard layer < top else { return nil }
      let edge = layer * area + arc * length + token
      return (capacities[edge] - flow[edge], (layer + 1) * length + arc, edge, true)
    }
    guard layer > 0 else { return nil }
    let below = arc - length
    let edge = (layer - 1) * area + token * length + below
    return (flow[edge], (layer - 1) * length + below, edge, false)
  }

  /// The maximum flow from input token `source` to token `sink` above
  /// layer `top`, in the graph of layers `1...top`.
  mutating func maximumFlow(from source: Int, to sink: Int, above top: Int) -> Double {
    let edges = top * length * length
    for edge in 0..<edges { flow[edge] = 0 }
    let (start, target) = (source, top * length + sink)
    var total = 0.0
    while buildLevels(from: start, to: target, top: top) {
      for node in 0...(top * length + length - 1) { nextArc[node] = 0 }
      while true {
        let pushed = push(from: start, to: target, limit: .infinity, top: top)
        if pushed <= epsilon { break }
        total += pushed
      }
    }
    return total
  }

  /// Breadth-first levels from `start` over arcs with residual capacity;
  /// whether `target` is reached.
  private mutating func buildLevels(from start: Int, to target: Int, top: Int) -> Bool {
    let nodes = (top + 1) * length
    for node in 0..<nodes { level[node] = -1 }
    level[start] = 0
    queue.removeAll(keepingCapacity: true)
    queue.append(start)
    var head = 0
    while head < queue.count {
      let node = queue[head]
      head += 1
      for index in 0..<(2 * length) {
        guard let step = arc(index, of: node, top: top), step.residual > epsilon, level[step.to] < 0 else {
          continue
        }
        level[step.to] = level[node] + 1
        queue.append(step.to)
      }
    }
    return level[target] >= 0
  }

  /// Pushes up to `limit` from `node` to `target` along the level graph;
  /// the amount pushed.
  private mutating func push(from node: Int, to target: Int, limit: Double, top: Int) -> Double {
    if node == target { return limit }
    while nextArc[node] < 2 * length {
      let index = nextArc[node]
      if let step = arc(index, of: node, top: top), step.residual > epsilon, level[step.to] == level[node] + 1
      {
        let pushed = push(from: step.to, to: target, limit: min(limit, step.residual), top: top)
        if pushed > epsilon {
          flow[step.edge] += step.up ? pushed : -pushed
          return pushed
        }
      }
      nextArc[node] += 1
    }
    return 0
  }
}
