import Testing

@testable import AttentionCore

/// Arguments the public function must refuse, with errors that say why.
@Suite struct ScaledDotProductAttentionErrorTests {
  let queries = Tensor.zeros([2, 3, 5, 4])
  let keys = Tensor.zeros([2, 3, 7, 4])
  let values = Tensor.zeros([2, 3, 7, 6])

  private func attend(
    queries: Tensor? = nil, keys: Tensor? = nil, values: Tensor? = nil, mask: AttentionMask = .none,
    scale: Float? = nil
  ) throws {
    _ = try scaledDotProductAttention(
      queries: queries ?? self.queries, keys: keys ?? self.keys, values: values ?? self.values, mask: mask,
      scale: scale)
  }

  @Test func mixedRanksNameEveryShape() {
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 5, 4]", "[2, 7, 4]"]) {
      try attend(keys: Tensor.zeros([2, 7, 4]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[5, 4]"]) {
      try attend(queries: Tensor.zeros([5, 4]), keys: Tensor.zeros([7, 4]), values: Tensor.zeros([7, 6]))
    }
  }

  @Test func queriesAndKeysOfDifferentDepthNameBothShapes() {
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 5, 4]", "[2, 3, 7, 3]", "D"]) {
      try attend(keys: Tensor.zeros([2, 3, 7, 3]))
    }
  }

  @Test func batchHeadAndKeyCountMismatchesNameBothShapes() {
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 5, 4]", "[2, 2, 7, 4]"]) {
      try attend(keys: Tensor.zeros([2, 2, 7, 4]), values: Tensor.zeros([2, 2, 7, 6]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 7, 4]", "[2, 3, 8, 6]", "Lk"]) {
      try attend(values: Tensor.zeros([2, 3, 8, 6]))
    }
  }

  @Test func emptySequencesAndFeaturesAreRejected() {
    expectAttentionError(.invalidArgument, mentioning: ["[2, 3, 0, 4]"]) {
      try attend(queries: Tensor.zeros([2, 3, 0, 4]))
    }
    expectAttentionError(.invalidArgument, mentioning: ["[2, 3, 0, 4]"]) {
      try attend(keys: Tensor.zeros([2, 3, 0, 4]), values: Tensor.zeros([2, 3, 0, 6]))
    }
    expectAttentionError(.invalidArgument, mentioning: ["[2, 3, 5, 0]", "[2, 3, 7, 0]"]) {
      try attend(queries: Tensor.zeros([2, 3, 5, 0]), keys: Tensor.zeros([2, 3, 7, 0]))
    }
  }

  @Test func nonFiniteScaleIsRejected() {
    for scale in [Float.nan, .infinity] {
      expectAttentionError(.invalidArgument, mentioning: ["scale", "\(scale)"]) { try attend(scale: scale) }
    }
  }

  @Test func masksThatDoNotBroadcastNameTheirShapeAndTheScores() {
    let scores = "[2, 3, 5, 7]"
    expectAttentionError(.shapeMismatch, mentioning: ["boolean mask [7, 5]", scores]) {
      try attend(mask: .boolean(Array(repeating: true, count: 35), shape: [7, 5]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["additive mask [2, 5, 7]", scores]) {
      try attend(mask: .additive(Tensor.zeros([2, 5, 7])))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["additive mask [1, 2, 3, 5, 7]", scores]) {
      try attend(mask: .additive(Tensor.zeros([1, 2, 3, 5, 7])))
    }
    // A valid part does not hide a bad one combined with it.
    expectAttentionError(.shapeMismatch, mentioning: ["boolean mask [2, 1, 7]", scores]) {
      try attend(
        mask: AttentionMask.boolean(Array(repeating: true, count: 35), shape: [5, 7])
          .combined(with: .boolean(Array(repeating: true, count: 14), shape: [2, 1, 7])))
    }
  }

  @Test func booleanMaskWithTheWrongNumberOfValues() {
    expectAttentionError(.shapeMismatch, mentioning: ["[5, 7]", "34"]) {
      try attend(mask: .boolean(Array(repeating: true, count: 34), shape: [5, 7]))
    }
  }

  @Test func validLengthsOfTheWrongCountOrOutOfRange() {
    expectAttentionError(.invalidValidLengths, mentioning: ["3 valid lengths", "2", "10"]) {
      try attend(mask: .validLengths([1, 2, 3]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["8", "0...7"]) {
      try attend(mask: .validLengths([8, 1]))
    }
    expectAttentionError(.invalidValidLengths, mentioning: ["-1", "0...7"]) {
      try attend(mask: AttentionMask.causal.combined(with: .validLengths([3, -1])))
    }
  }
}
