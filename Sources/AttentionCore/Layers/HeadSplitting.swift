/// Splits the feature axis of a sequence batch into heads:
/// `[B, L, D]` → `[B, H, L, D/H]`.
///
/// Legend: `B` batch, `L` sequence length, `D` features, `H` heads.
///
/// Head `h` takes the features `h·D/H ..< (h+1)·D/H` of every position, as
/// d2l's `transpose_qkv` does (reshape to `[B, L, H, D/H]`, then swap the
/// `L` and `H` axes); `transpose_qkv` goes on to flatten `[B, H]` into one
/// axis, which `reshaped([B·H, L, D/H])` of this result gives for free.
///
/// - Parameters:
///   - features: `[B, L, D]`.
///   - heads: `H`, at least 1, dividing `D`.
/// - Returns: `[B, H, L, D/H]`.
/// - Throws: `AttentionError` if `features` is not 3-D or `H` does not
///   divide `D`.
public func splitHeads(_ features: Tensor, heads: Int) throws -> Tensor {
  guard features.rank == 3 else {
    throw AttentionError.shapeMismatch("splitting into heads needs [B, L, D], got \(features.shape)")
  }
  guard heads >= 1 else {
    throw AttentionError.invalidArgument("the number of heads must be at least 1, got \(heads)")
  }
  let (batch, length, depth) = (features.shape[0], features.shape[1], features.shape[2])
  guard depth % heads == 0 else {
    throw AttentionError.invalidArgument(
      "cannot split \(features.shape) into \(heads) heads: D = \(depth) is not divisible by \(heads)")
  }
  return features.reshaped([batch, length, heads, depth / heads]).swappingAxes1And2()
}

/// Concatenates the heads back along the feature axis:
/// `[B, H, L, d]` → `[B, L, H·d]`, the inverse of `splitHeads(_:heads:)`.
///
/// Legend: `B` batch, `H` heads, `L` sequence length, `d` features per head.
///
/// Position `l` of the result is head 0's row `l`, then head 1's, and so on,
/// as d2l's `transpose_output` lays it out.
///
/// - Parameter headFeatures: `[B, H, L, d]`.
/// - Returns: `[B, L, H·d]`.
/// - Throws: `AttentionError` if `headFeatures` is not 4-D.
public func mergeHeads(_ headFeatures: Tensor) throws -> Tensor {
  guard headFeatures.rank == 4 else {
    throw AttentionError.shapeMismatch("merging heads needs [B, H, L, d], got \(headFeatures.shape)")
  }
  let (batch, heads, length, depth) = (
    headFeatures.shape[0], headFeatures.shape[1], headFeatures.shape[2], headFeatures.shape[3]
  )
  return headFeatures.swappingAxes1And2().reshaped([batch, length, heads * depth])
}
