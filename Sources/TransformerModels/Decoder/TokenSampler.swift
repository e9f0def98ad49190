import Foundation

/// Chooses each next token from the logits: the likeliest one at
/// temperature 0, otherwise a draw from the softmax of the logits divided by
/// the temperature, kept to the top `k` and then to the smallest set whose
/// probabilities add up to `p`, with a seeded generator.
struct TokenSampler {
  let options: GenerationOptions
  private var state: (UInt64, UInt64, UInt64, UInt64)

  init(options: GenerationOptions) {
    self.options = options
    // xoshiro256** seeded through splitmix64, as its authors recommend.
    var seed = options.seed
    func next() -> UInt64 {
      seed &+= 0x9E37_79B9_7F4A_7C15
      var z = seed
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (next(), next(), next(), next())
  }

  /// A uniform draw in [0, 1).
  mutating func uniform() -> Double {
    let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = state.3 << 45 | state.3 >> 19
    return Double(result >> 11) * 0x1.0p-53
  }

  mutating func choose(from logits: [Float]) -> Int {
    guard options.temperature > 0 else { return Self.argmax(logits) }
    var order = Array(logits.indices)
    order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
    if let k = options.topK, k > 0, k < order.count { order.removeLast(order.count - k) }
    let top = Double(logits[order[0]])
    var probabilities = order.map { exp((Double(logits[$0]) - top) / options.temperature) }
    let total = probabilities.reduce(0, +)
    for index in probabilities.indices { probabilities[index] /= total }
    if let p = options.topP, p < 1 {
      var sum = 0.0
      var kept = 0
      while kept < probabilities.count {
        sum += probabilities[kept]
        kept += 1
        if sum >= p { break }
      }
      order.removeLast(order.count - kept)
      probabilities.removeLast(probabilities.count - kept)
    }
    let draw = uniform() * probabilities.reduce(0, +)
    var sum = 0.0
    for (index, probability) in probabilities.enumerated() {
      sum += probability
      if draw < sum { return order[index] }
    }
    return order[order.count - 1]
  }

  /// The first index of the largest logit.
  static func argmax(_ logits: [Float]) -> Int {
    var best = 0
    for index in logits.indices where logits[index] > logits[best] { best = index }
    return best
  }
}

