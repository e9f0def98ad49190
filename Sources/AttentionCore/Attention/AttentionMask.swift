/// Which keys each query may attend to, and what is added to its scores,
/// in `scaledDotProductAttention(queries:keys:values:mask:scale:)`.
///
/// Legend: `B` batch, `H` heads, `Lq` queries, `Lk` keys. The scores are
/// `[B, H, Lq, Lk]` for 4-D inputs and `[B, Lq, Lk]` for 3-D ones.
///
/// A mask is a set of parts, and `combined(with:)` joins two masks: a key
/// is attended only if every part allows it, and additive parts add up.
/// For example, causal decoding over padded sequences is
/// `.causal.combined(with: .validLengths([5, 3]))`.
///
/// What a query whose every key is masked gets is a named policy,
/// `FullyMaskedRows`: zeros, both as output and as attention weights (as
/// PyTorch's CPU flash kernel does, and `scaledDotProductAttention` by
/// default), or d2l's uniform row (what `attentionPooling` and d2l's layers
/// keep for a valid length of 0). Never NaN.
public struct AttentionMask: Sendable, Equatable {
  /// What a query gets when the mask hides every key from it.
  public enum FullyMaskedRows: Sendable, Equatable {
    /// Weights 0 and output 0, as PyTorch's CPU flash kernel gives.
    case zeros
    /// Weights `1/Lk` on every key and output the mean of the values, as
    /// d2l's `masked_softmax` gives: it masks with -1e6 rather than -∞, so a
    /// row with no valid key is softmax over equal scores.
    case uniform
  }

  /// Where the diagonal of a causal mask sits when `Lq != Lk`.
  public enum CausalAlignment: Sendable, Equatable, CaseIterable {
    /// Query `i` sees keys `0...i`, as PyTorch's `is_causal=True`.
    case topLeft
    /// Query `i` sees keys `0...(i + Lk - Lq)`: the queries are the last
    /// `Lq` positions of the keys' sequence, as when decoding with a cache.
    /// With `Lq > Lk` the first `Lq - Lk` queries see no key.
    case bottomRight
  }

  /// A Boolean mask and its shape, stored row-major.
  struct BooleanPart: Sendable, Equatable {
    let allowed: [Bool]
    let shape: [Int]
  }

  var causalAlignments: [CausalAlignment] = []
  var validLengthLists: [[Int]] = []
  var booleanParts: [BooleanPart] = []
  var additiveParts: [Tensor] = []

  /// Every query attends to every key.
  public static let none = AttentionMask()

  /// Query `i` attends to keys `0...i` (top-left aligned), as PyTorch's
  /// `is_causal=True`.
  public static let causal = AttentionMask(causalAlignments: [.topLeft])

  /// A causal mask with the given alignment of its diagonal.
  ///
  /// - Parameter alignment: `.topLeft` (query `i` sees keys `0...i`) or
  ///   `.bottomRight` (query `i` sees keys `0...(i + Lk - Lq)`).
  public static func causal(_ alignment: CausalAlignment) -> AttentionMask {
    AttentionMask(causalAlignments: [alignment])
  }

  /// Keys at index >= the valid length are masked, as d2l's `valid_lens`.
  ///
  /// - Parameter lengths: `[B]`, one per batch element, repeated over heads
  ///   and queries; or `[B·Lq]`, one per batch element and query (`[B, Lq]`
  ///   flattened row-major), repeated over heads. Each in `0...Lk`; a
  ///   length of 0 masks the whole row (zeros, see above).
  public static func validLengths(_ lengths: [Int]) -> AttentionMask {
    AttentionMask(validLengthLists: [lengths])
  }

  /// A Boolean mask: `true` lets the query attend to the key.
  ///
  /// - Parameters:
  ///   - allowed: the elements of a tensor of `shape`, row-major.
  ///   - shape: broadcastable to the scores under NumPy's rules: aligned at
  ///     the right, each axis either 1 or equal to the scores' axis. So
  ///     `[Lq, Lk]`, `[B, 1, Lq, Lk]`, `[1, H, 1, Lk]` and `[B, H, Lq, Lk]`
  ///     all work with 4-D inputs; `[Lq, Lk]` and `[B, Lq, Lk]` with 3-D.
  public static func boolean(_ allowed: [Bool], shape: [Int]) -> AttentionMask {
    AttentionMask(booleanParts: [BooleanPart(allowed: allowed, shape: shape)])
  }

  /// A float mask added to the scaled scores before the softmax, as
  /// PyTorch's float `attn_mask`; `-infinity` masks a key.
  ///
  /// - Parameter bias: broadcastable to the scores, as for
  ///   `boolean(_:shape:)`.
  public static func additive(_ bias: Tensor) -> AttentionMask {
    AttentionMask(additiveParts: [bias])
  }

  /// The mask that allows a key only where both masks allow it, and adds
  /// both masks' additive parts.
  public func combined(with other: AttentionMask) -> AttentionMask {
    AttentionMask(
      causalAlignments: causalAlignments + other.causalAlignments,
      validLengthLists: validLengthLists + other.validLengthLists,
      booleanParts: booleanParts + other.booleanParts,
      additiveParts: additiveParts + other.additiveParts)
  }

  /// Whether the mask lets every query attend to every key unchanged.
  public var isEmpty: Bool {
    causalAlignments.isEmpty && validLengthLists.isEmpty && booleanParts.isEmpty && additiveParts.isEmpty
  }
}

extension AttentionMask {
  /// The mask of d2l's `valid_lens` and a causal flag:
  /// `.validLengths(validLengths)` where lengths are given, combined with
  /// `.causal` where `causal` is true.
  public init(validLengths: [Int]?, causal: Bool) {
    let lengths: AttentionMask = validLengths.map { AttentionMask.validLengths($0) } ?? .none
    self = causal ? lengths.combined(with: AttentionMask.causal) : lengths
  }
}
