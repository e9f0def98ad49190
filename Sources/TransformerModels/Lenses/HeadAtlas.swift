import AttentionCore
import Foundation

/// What one head does over a text, in a few numbers, and a label that
/// names the pattern when one dominates.
///
/// Legend: `a` the head's map over `L` tokens, row `i` a query; rows are
/// averaged over all `L` queries unless a statistic says otherwise.
public struct HeadStatistics: Sendable, Equatable {
  /// Mean over rows of `−Σⱼ aᵢⱼ ln aᵢⱼ`, in nats: 0 for a row on one key,
  /// `ln n` for a row spread evenly over `n` keys.
  public var entropy: Double
  /// Mean over rows of `Σⱼ aᵢⱼ |i − j|`: how far, in tokens, the head looks.
  public var distance: Double
  /// Mean of `aᵢ,ᵢ₋₁` over rows `i ≥ 1`.
  public var previous: Double
  /// Mean of `aᵢ,ᵢ₊₁` over rows `i < L − 1`.
  public var next: Double
  /// Mean of `aᵢᵢ`.
  public var selfWeight: Double
  /// Mean over rows of the weight on the sink tokens: the special tokens
  /// (`[CLS]`, `[SEP]`) of an encoder, the first token of a decoder.
  public var sink: Double
  /// The pattern, from the numbers above (`HeadLabel.classify`).
  public var label: HeadLabel

  public init(
    entropy: Double, distance: Double, previous: Double, next: Double, selfWeight: Double, sink: Double,
    label: HeadLabel
  ) {
    self.entropy = entropy
    self.distance = distance
    self.previous = previous
    self.next = next
    self.selfWeight = selfWeight
    self.sink = sink
    self.label = label
  }
}

/// The pattern a head follows.
///
/// A head is named by the largest of its `previous`, `next`, `self` and
/// `sink` weights when that is at least `dominant` (0.5): most of each
/// row's weight then goes to that one place. Otherwise it is `broad` when
/// its rows are spread almost evenly: its entropy at least `spread` (0.9)
/// of the entropy of even rows (`Σᵢ ln nᵢ / L`, `nᵢ` the keys row `i` may
/// see: `L` for an encoder, `i + 1` for a decoder). Anything else is `mixed`.
public enum HeadLabel: String, Sendable, Equatable, CaseIterable {
  case previousToken = "previous-token"
  case nextToken = "next-token"
  case `self`
  case sink
  case broad
  case mixed

  /// The share of each row's weight that names a head after one place.
  public static let dominant = 0.5
  /// The share of the even rows' entropy from which a head is broad.
  public static let spread = 0.9

  /// The label of a head with these statistics, whose even rows would have
  /// `uniformEntropy` nats on average.
  public static func classify(
    previous: Double, next: Double, selfWeight: Double, sink: Double, entropy: Double, uniformEntropy: Double
  ) -> HeadLabel {
    let candidates: [(HeadLabel, Double)] = [
      (.sink, sink), (.self, selfWeight), (.previousToken, previous), (.nextToken, next),
    ]
    let strongest = candidates.max { $0.1 < $1.1 }!
    if strongest.1 >= dominant { return strongest.0 }
    if uniformEntropy > 0, entropy >= spread * uniformEntropy { return .broad }
    return .mixed
  }
}

/// The statistics of every head of a run.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
public struct HeadAtlas: Sendable, Equatable {
  /// `N` rows of `H` heads.
  public var heads: [[HeadStatistics]]

  public init(heads: [[HeadStatistics]]) { self.heads = heads }

  /// The columns of `csv()`, as the header names them.
  public static let columns = ["layer", "head", "entropy", "distance", "previous", "next", "self", "sink", "label"]

  /// Measures every head of `attentions`.
  ///
  /// - Parameters:
  ///   - attentions: `[N, H, L, L]`, rows summing to 1 (a causal map's upper
  ///     triangle 0).
  ///   - kind: which keys a query may see, for the entropy of even rows.
  ///   - sinks: the key positions whose weight counts as `sink`.
  /// - Throws: `LensError` when `attentions` is not `[N, H, L, L]` or a sink is outside `0..<L`.
  public init(_ attentions: Tensor, kind: AttentionKind, sinks: [Int]) throws {
    guard attentions.rank == 4, attentions.shape[2] == attentions.shape[3], attentions.shape[2] >= 1 else {
      throw LensError("a head atlas needs [layers, heads, L, L], got \(attentions.shape)")
    }
    let (layers, headCount, length) = (attentions.shape[0], attentions.shape[1], attentions.shape[2])
    guard sinks.allSatisfy({ (0..<length).contains($0) }) else {
      throw LensError("sink positions \(sinks) reach past \(length) tokens")
    }
    let uniformEntropy = Self.uniformEntropy(length: length, kind: kind)
    let sinkSet = Array(Set(sinks)).sorted()
    heads = attentions.scalars.withUnsafeBufferPointer { maps in
      (0..<layers).map { layer in
        (0..<headCount).map { head in
          let map = UnsafeBufferPointer(
            rebasing: maps[((layer * headCount + head) * length * length)...].prefix(length * length))
          return Self.measure(map, length: length, sinks: sinkSet, uniformEntropy: uniformEntropy)
        }
      }
    }
  }

  /// The statistics of one `L × L` map.
  static func measure(
    _ map: UnsafeBufferPointer<Float>, length: Int, sinks: [Int], uniformEntropy: Double
  ) -> HeadStatistics {
    var (entropy, distance, previous, next, selfWeight, sink) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for row in 0..<length {
      let weights = map.baseAddress! + row * length
      var (rowEntropy, rowDistance) = (0.0, 0.0)
      for column in 0..<length {
        let weight = Double(weights[column])
        if weight > 0 { rowEntropy -= weight * log(weight) }
        rowDistance += weight * Double(abs(row - column))
      }
      entropy += rowEntropy
      distance += rowDistance
      if row >= 1 { previous += Double(weights[row - 1]) }
      if row + 1 < length { next += Double(weights[row + 1]) }
      selfWeight += Double(weights[row])
      for column in sinks { sink += Double(weights[column]) }
    }
    let rows = Double(length)
    let (entropyMean, previousMean, nextMean, selfMean, sinkMean) = (
      entropy / rows, length > 1 ? previous / (rows - 1) : 0, length > 1 ? next / (rows - 1) : 0,
      selfWeight / rows, sink / rows
    )
    return HeadStatistics(
      entropy: entropyMean, distance: distance / rows, previous: previousMean, next: nextMean, selfWeight: selfMean,
      sink: sinkMean,
      label: HeadLabel.classify(
        previous: previousMean, next: nextMean, selfWeight: selfMean, sink: sinkMean, entropy: entropyMean,
        uniformEntropy: uniformEntropy))
  }

  /// The mean of several atlases of the same model, head by head, each
  /// statistic averaged over the texts and the label drawn again from the
  /// means.
  ///
  /// - Parameter uniformEntropy: the even rows' entropy for the label,
  ///   averaged over the same texts.
  public static func mean(_ atlases: [HeadAtlas], uniformEntropy: Double) -> HeadAtlas {
    precondition(!atlases.isEmpty, "no atlases to average")
    let count = Double(atlases.count)
    return HeadAtlas(
      heads: atlases[0].heads.indices.map { layer in
        atlases[0].heads[layer].indices.map { head in
          let all = atlases.map { $0.heads[layer][head] }
          func average(_ statistic: KeyPath<HeadStatistics, Double>) -> Double {
            all.reduce(0) { $0 + $1[keyPath: statistic] } / count
          }
          let (previous, next, selfWeight, sink, entropy) = (
            average(\.previous), average(\.next), average(\.selfWeight), average(\.sink), average(\.entropy)
          )
          return HeadStatistics(
            entropy: entropy, distance: average(\.distance), previous: previous, next: next, selfWeight: selfWeight,
            sink: sink,
            label: HeadLabel.classify(
              previous: previous, next: next, selfWeight: selfWeight, sink: sink, entropy: entropy,
              uniformEntropy: uniformEntropy))
        }
      })
  }

  /// The entropy of even rows over `length` tokens, averaged over rows.
  public static func uniformEntropy(length: Int, kind: AttentionKind) -> Double {
    (0..<length).reduce(0.0) { sum, row in sum + log(Double(kind == .causal ? row + 1 : length)) }
      / Double(max(length, 1))
  }

  /// One line per head under the header `columns`; layers and heads from 1,
  /// statistics to 6 decimals.
  public func csv() -> String {
    var lines = [Self.columns.joined(separator: ",")]
    for (layer, row) in heads.enumerated() {
      for (head, statistics) in row.enumerated() {
        let numbers = [
          statistics.entropy, statistics.distance, statistics.previous, statistics.next, statistics.selfWeight,
          statistics.sink,
        ].map { String(format: "%.6f", $0) }
        lines.append(
          (["\(layer + 1)", "\(head + 1)"] + numbers + [statistics.label.rawValue]).joined(separator: ","))
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// One of the numbers of `HeadStatistics`, by the name the atlas's table gives it.
public enum HeadStatistic: String, Sendable, Equatable, CaseIterable {
  case entropy, distance, previous, next
  case `self`
  case sink

  /// The statistic of `head`.
  public func value(of head: HeadStatistics) -> Double {
    switch self {
    case .entropy: head.entropy
    case .distance: head.distance
    case .previous: head.previous
    case .next: head.next
    case .self: head.selfWeight
    case .sink: head.sink
    }
  }

  /// What it measures, for a figure's title.
  public var title: String {
    switch self {
    case .entropy: "entropy of the rows (nats)"
    case .distance: "mean distance attended (tokens)"
    case .previous: "weight on the previous token"
    case .next: "weight on the next token"
    case .self: "weight on the token itself"
    case .sink: "weight on the sink tokens"
    }
  }
}

extension HeadAtlas {
  /// One JSON object: the thresholds the labels follow, and one object per
  /// head with the `csv()` columns as keys.
  public func json() -> String {
    func number(_ value: Double) -> String { String(format: "%.6f", value) }
    let lines = heads.enumerated().flatMap { layer, row in
      row.enumerated().map { head, statistics in
        "    {\"layer\": \(layer + 1), \"head\": \(head + 1), \"entropy\": \(number(statistics.entropy)), "
          + "\"distance\": \(number(statistics.distance)), \"previous\": \(number(statistics.previous)), "
          + "\"next\": \(number(statistics.next)), \"self\": \(number(statistics.selfWeight)), "
          + "\"sink\": \(number(statistics.sink)), \"label\": \"\(statistics.label.rawValue)\"}"
      }
    }
    return "{\n  \"dominant\": \(HeadLabel.dominant), \"spread\": \(HeadLabel.spread),\n  \"heads\": [\n"
      + lines.joined(separator: ",\n") + "\n  ]\n}\n"
  }
}
