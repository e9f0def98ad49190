/// How a query and a key are scored before the softmax.
public enum AttentionScoring: String, Sendable, Equatable, CaseIterable {
  /// The dot product `q · k`.
  case dot
  /// The dot product divided by √D (`D` the query/key width), which keeps
  /// the scores' variance near 1 for unit-variance inputs, so the softmax
  /// does not saturate as `D` grows.
  case scaledDot
}
