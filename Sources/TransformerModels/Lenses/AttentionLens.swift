import AttentionCore

/// A way of reading a run's attention, each on a scale of its own: the raw
/// weights, what the layers have mixed so far, or how much each attended
/// token actually moves the output.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
public enum AttentionLens: String, Sendable, Equatable, CaseIterable {
  /// The weights themselves: `[N, H, L, L]`, rows summing to 1.
  case attention
  /// Attention rollout (`attentionRollout`): `[N, 1, L, L]`, one map per
  /// layer, rows summing to 1.
  case rollout
  /// The norm-based view (`valueWeightedNorms`): `[N, H, L, L]`, in the
  /// units of the residual stream.
  case valueNorm = "value-norm"
  /// Attention flow (`attentionFlow`): `[N, 1, L, L]`, one map per layer,
  /// rows summing to 1; for short texts, as its cost grows as `L⁴`.
  case flow

  /// The most tokens the flow lens reads (`attentionFlow` itself takes any).
  public static let flowTokenLimit = 64

  /// Whether the run must keep its values (`RunOptions.recordsValues`).
  public var needsValues: Bool { self == .valueNorm }

  /// Whether the lens has one map per head (`false`: one per layer).
  public var hasHeads: Bool { self != .rollout && self != .flow }

  /// What the lens's numbers are, for titles and scales.
  public var scaleName: String {
    switch self {
    case .attention: "attention weight"
    case .rollout: "rollout"
    case .valueNorm: "‖α·f(x)‖"
    case .flow: "flow"
    }
  }

  /// The lens's maps of `run`, with its tokens and kind, so that they are
  /// drawn, written and served as attention is: `[N, H, L, L]`, or
  /// `[N, 1, L, L]` for rollout.
  ///
  /// - Throws: `LensError` when the lens needs values the run did not keep.
  public func apply(to run: ModelRun) throws -> ModelAttention {
    let attention = run.attention
    switch self {
    case .attention:
      return attention
    case .rollout:
      let rollout = try attentionRollout(attention.attentions)
      let (layers, length) = (rollout.shape[0], rollout.shape[1])
      return ModelAttention(
        tokens: attention.tokens, attentions: rollout.reshaped([layers, 1, length, length]), kind: attention.kind)
    case .flow:
      guard attention.tokens.count <= Self.flowTokenLimit else {
        throw LensError(
          "attention flow reads at most \(Self.flowTokenLimit) tokens, not \(attention.tokens.count): its cost grows as "
            + "the fourth power of the length (64 tokens of MiniLM take about 40 s); rollout reads any length")
      }
      let flow = try attentionFlow(attention.attentions)
      let (layers, length) = (flow.shape[0], flow.shape[1])
      return ModelAttention(
        tokens: attention.tokens, attentions: flow.reshaped([layers, 1, length, length]), kind: attention.kind)
    case .valueNorm:
      guard let values = run.values else {
        throw LensError("the value-norm lens needs the run's values: run with recordsValues")
      }
      return ModelAttention(
        tokens: attention.tokens, attentions: try valueWeightedNorms(attention.attentions, values: values),
        kind: attention.kind)
    }
  }
}

extension AttentionModel {
  /// `lens`'s maps of a run of `encoding`, over words rather than word
  /// pieces when `words` is set (`wordAttention`): what `attn model` draws
  /// and `attn serve` answers for one text.
  ///
  /// - Throws: the model's errors for the run; `LensError` from the lens or the words.
  public func lensedAttention(_ encoding: Encoding, lens: AttentionLens, words: Bool = false) throws
    -> ModelAttention
  {
    try lensedAttentions(encoding, lenses: [lens], words: words)[0]
  }

  /// Each of `lenses` over one run of `encoding`, in order.
  public func lensedAttentions(_ encoding: Encoding, lenses: [AttentionLens], words: Bool = false) throws
    -> [ModelAttention]
  {
    let run = try run(encoding, options: RunOptions(recordsValues: lenses.contains(where: \.needsValues)))
    let wordIDs = words ? textTokenizer.wordIDs(of: encoding) : nil
    return try lenses.map { lens in
      let lensed = try lens.apply(to: run)
      guard let wordIDs else { return lensed }
      return try wordAttention(lensed, wordIDs: wordIDs)
    }
  }
}

/// A lens that cannot be applied to a run.
public struct LensError: Error, CustomStringConvertible, Equatable, Sendable {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}
