import AttentionCore
import Foundation

/// Two token sequences lined up: tokens that both have are paired, a run
/// of tokens replaced by as many others is paired position by position
/// (a minimal pair: "she" against "he"), and any other token stands alone.
public struct TokenAlignment: Sendable, Equatable {
  /// One entry per aligned position: the token's index in A and in B, nil where one side has none.
  public var pairs: [Pair]
  /// One label per position: the shared token, `a/b` for a replaced one,
  /// `+b` or `−a` for one only one side has.
  public var labels: [String]

  public struct Pair: Sendable, Equatable {
    public var a: Int?
    public var b: Int?

    public init(a: Int?, b: Int?) {
      self.a = a
      self.b = b
    }
  }

  /// Aligns `a` and `b` by a longest common subsequence of their labels.
  public init(_ a: [String], _ b: [String]) {
    let (n, m) = (a.count, b.count)
    // suffix[i][j]: the longest common subsequence of a[i...] and b[j...].
    var suffix = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
    for i in stride(from: n - 1, through: 0, by: -1) {
      for j in stride(from: m - 1, through: 0, by: -1) {
        suffix[i][j] = a[i] == b[j] ? suffix[i + 1][j + 1] + 1 : max(suffix[i + 1][j], suffix[i][j + 1])
      }
    }
    var pairs: [Pair] = []
    var labels: [String] = []
    var (i, j) = (0, 0)
    var (onlyA, onlyB): ([Int], [Int]) = ([], [])
    func flush() {
      let paired = min(onlyA.count, onlyB.count)
      if onlyA.count == onlyB.count {
        for k in 0..<paired {
          pairs.append(Pair(a: onlyA[k], b: onlyB[k]))
          labels.append("\(a[onlyA[k]])/\(b[onlyB[k]])")
        }
      } else {
        for index in onlyA {
          pairs.append(Pair(a: index, b: nil))
          labels.append("−" + a[index])
        }
        for index in onlyB {
          pairs.append(Pair(a: nil, b: index))
          labels.append("+" + b[index])
        }
      }
      (onlyA, onlyB) = ([], [])
    }
    while i < n || j < m {
      if i < n, j < m, a[i] == b[j] {
        flush()
        pairs.append(Pair(a: i, b: j))
        labels.append(a[i])
        (i, j) = (i + 1, j + 1)
      } else if j >= m || (i < n && suffix[i + 1][j] >= suffix[i][j + 1]) {
        onlyA.append(i)
        i += 1
      } else {
        onlyB.append(j)
        j += 1
      }
    }
    flush()
    self.pairs = pairs
    self.labels = labels
  }
}

/// Two runs' attention side by side: their difference on the aligned
/// tokens, and the heads ranked by how much their rows moved.
///
/// Legend: `N` layers, `H` heads, `M` aligned positions.
public struct AttentionComparison: Sendable {
  public var alignment: TokenAlignment
  /// `[N, H, M, M]`: A's weight minus B's where both runs have the query
  /// and the key, NaN where one of them does not.
  public var difference: ModelAttention
  /// Every head with the mean Jensen–Shannon distance (base 2, so 0 to 1)
  /// of its rows, largest first: each aligned query's row in A against its
  /// row in B, both over the keys both have, renormalised.
  public var ranking: [(head: HeadIndex, distance: Double)]

  /// - Throws: `LensError` when the runs do not have the same layers and heads.
  public init(_ a: ModelAttention, _ b: ModelAttention) throws {
    guard a.layerCount == b.layerCount, a.headCount == b.headCount else {
      throw LensError(
        "the runs have \(a.layerCount) × \(a.headCount) and \(b.layerCount) × \(b.headCount) layers × heads; "
          + "only runs of the same shape compare")
    }
    let alignment = TokenAlignment(a.tokens, b.tokens)
    let (layers, heads, size) = (a.layerCount, a.headCount, alignment.pairs.count)
    let (lengthA, lengthB) = (a.tokens.count, b.tokens.count)
    let both = alignment.pairs.compactMap { pair in pair.a.flatMap { x in pair.b.map { (x, $0) } } }
    var difference = [Float](repeating: .nan, count: layers * heads * size * size)
    var ranking: [(head: HeadIndex, distance: Double)] = []
    a.attentions.scalars.withUnsafeBufferPointer { mapsA in
      b.attentions.scalars.withUnsafeBufferPointer { mapsB in
        for map in 0..<(layers * heads) {
          let (baseA, baseB) = (map * lengthA * lengthA, map * lengthB * lengthB)
          for (row, pairRow) in alignment.pairs.enumerated() {
            guard let rowA = pairRow.a, let rowB = pairRow.b else { continue }
            for (column, pairColumn) in alignment.pairs.enumerated() {
              guard let columnA = pairColumn.a, let columnB = pairColumn.b else { continue }
              difference[(map * size + row) * size + column] =
                mapsA[baseA + rowA * lengthA + columnA] - mapsB[baseB + rowB * lengthB + columnB]
            }
          }
          var total = 0.0
          for (rowA, rowB) in both {
            let p = both.map { Double(mapsA[baseA + rowA * lengthA + $0.0]) }
            let q = both.map { Double(mapsB[baseB + rowB * lengthB + $0.1]) }
            total += jensenShannonDistance(p, q)
          }
          ranking.append((HeadIndex(layer: map / heads, head: map % heads), both.isEmpty ? 0 : total / Double(both.count)))
        }
      }
    }
    self.alignment = alignment
    self.difference = ModelAttention(
      tokens: alignment.labels, attentions: Tensor(shape: [layers, heads, size, size], scalars: difference),
      kind: a.kind)
    self.ranking = ranking.sorted { $0.distance > $1.distance || ($0.distance == $1.distance && $0.head < $1.head) }
  }
}

/// `√JS(p ‖ q)` in bits, each renormalised to sum to 1; 0 for two empty rows.
func jensenShannonDistance(_ p: [Double], _ q: [Double]) -> Double {
  let (sumP, sumQ) = (p.reduce(0, +), q.reduce(0, +))
  guard sumP > 0, sumQ > 0 else { return sumP == sumQ ? 0 : 1 }
  var divergence = 0.0
  for (x, y) in zip(p, q) {
    let (x, y) = (x / sumP, y / sumQ)
    let m = (x + y) / 2
    if x > 0 { divergence += 0.5 * x * log2(x / m) }
    if y > 0 { divergence += 0.5 * y * log2(y / m) }
  }
  return max(divergence, 0).squareRoot()
}
