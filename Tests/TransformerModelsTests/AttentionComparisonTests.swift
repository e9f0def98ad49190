import AttentionTestSupport
import Foundation
import Testing
import TransformerModels

@Suite struct AttentionComparisonTests {
  @Test func tokensAlignWhereTheyAgreeAndReplacementsPairOneByOne() {
    let pair = TokenAlignment(["a", "doctor", "said", "she", "was"], ["a", "doctor", "said", "he", "was"])
    #expect(pair.labels == ["a", "doctor", "said", "she/he", "was"])
    #expect(pair.pairs.allSatisfy { $0.a == $0.b })
    let inserted = TokenAlignment(["the", "cat", "sat"], ["the", "big", "cat", "sat"])
    #expect(inserted.labels == ["the", "+big", "cat", "sat"])
    #expect(inserted.pairs[1] == TokenAlignment.Pair(a: nil, b: 1) && inserted.pairs[2] == .init(a: 1, b: 2))
    let uneven = TokenAlignment(["x", "un", "##like", "y"], ["x", "dislike", "y"])
    #expect(uneven.labels == ["x", "−un", "−##like", "+dislike", "y"])
    #expect(TokenAlignment([], ["a"]).labels == ["+a"])
  }

  /// The difference cell by cell and each head's mean Jensen–Shannon
  /// distance, from their definitions in Float64, on random maps of a
  /// pair whose second text has an extra token.
  @Test func differenceAndDistancesMatchTheirDefinitions() throws {
    var random = BertTestRandom(seed: 0xC0A1)
    func maps(_ length: Int) -> Tensor {
      var scalars: [Float] = []
      for _ in 0..<(2 * 3 * length) {
        let row = (0..<length).map { _ in exp(random.normal(deviation: 1.5)) }
        let total = row.reduce(0, +)
        scalars += row.map { Float($0 / total) }
      }
      return Tensor(shape: [2, 3, length, length], scalars: scalars)
    }
    let a = ModelAttention(tokens: ["p", "q", "r", "s"], attentions: maps(4), kind: .bidirectional)
    let b = ModelAttention(tokens: ["p", "q", "x", "r", "s"], attentions: maps(5), kind: .bidirectional)
    let comparison = try AttentionComparison(a, b)
    #expect(comparison.difference.tokens == ["p", "q", "+x", "r", "s"])
    let matched = [(0, 0), (1, 1), (2, 3), (3, 4)]
    let position = [0, 1, 3, 4]  // aligned position of each matched pair
    for map in 0..<6 {
      for (row, (i, k)) in matched.enumerated() {
        for (column, (j, l)) in matched.enumerated() {
          let expected = a.attentions.scalars[(map * 4 + i) * 4 + j] - b.attentions.scalars[(map * 5 + k) * 5 + l]
          #expect(comparison.difference.attentions.scalars[(map * 5 + position[row]) * 5 + position[column]] == expected)
        }
        #expect(comparison.difference.attentions.scalars[(map * 5 + position[row]) * 5 + 2].isNaN)
      }
      var total = 0.0
      for (i, k) in matched {
        var p = matched.map { Double(a.attentions.scalars[(map * 4 + i) * 4 + $0.0]) }
        var q = matched.map { Double(b.attentions.scalars[(map * 5 + k) * 5 + $0.1]) }
        let (sp, sq) = (p.reduce(0, +), q.reduce(0, +))
        p = p.map { $0 / sp }
        q = q.map { $0 / sq }
        let m = zip(p, q).map { ($0 + $1) / 2 }
        let kl = { (x: [Double]) in zip(x, m).reduce(0.0) { $0 + ($1.0 > 0 ? $1.0 * log($1.0 / $1.1) : 0) } }
        total += ((kl(p) + kl(q)) / 2 / log(2)).squareRoot()
      }
      let head = HeadIndex(layer: map / 3, head: map % 3)
      let measured = try #require(comparison.ranking.first { $0.head == head }).distance
      #expect(abs(measured - total / 4) < 1e-9)
    }
    #expect(zip(comparison.ranking, comparison.ranking.dropFirst()).allSatisfy { $0.distance >= $1.distance })
    let same = try AttentionComparison(a, a)
    #expect(same.ranking.allSatisfy { $0.distance == 0 })
    #expect(same.difference.attentions.scalars.allSatisfy { $0 == 0 })
    #expect(throws: LensError.self) {
      try AttentionComparison(a, ModelAttention(tokens: ["p"], attentions: Tensor.zeros([1, 3, 1, 1]), kind: .causal))
    }
  }
}
