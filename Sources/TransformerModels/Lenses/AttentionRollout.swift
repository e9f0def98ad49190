import AttentionCore

/// Attention rollout (Abnar & Zuidema, 2020): how much each token has drawn
/// on each input token after the first `l` layers, counting the residual
/// path as half of every layer.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// Each layer's weights are averaged over its heads (`Ā`), the residual
/// added as `Ã = 0.5·Ā + 0.5·I`, each row divided by its sum, and the
/// layers multiplied through: `R₁ = Ã₁`, `Rₗ = Ãₗ · Rₗ₋₁`. Row `i` of `Rₗ`
/// sums to 1, as attention rows do, and a causal run's `Rₗ` stays lower
/// triangular.
///
/// - Parameter attentions: `[N, H, L, L]`, rows summing to 1.
/// - Returns: `[N, L, L]`: map `l` is `Rₗ₊₁`, what layer `l + 1` has mixed so far.
/// - Throws: `LensError` when `attentions` is not `[N, H, L, L]` with `N, H ≥ 1`.
public func attentionRollout(_ attentions: Tensor) throws -> Tensor {
  try checkLayerMaps(attentions, for: "attention rollout")
  let (layers, length) = (attentions.shape[0], attentions.shape[2])
  let area = length * length
  var rollout = [Float](repeating: 0, count: layers * area)
  var previous = Tensor.zeros([length, length])
  for layer in 0..<layers {
    let current = Tensor(shape: [length, length], scalars: residualMixed(attentions, layer: layer))
    let product = layer == 0 ? current : try! matmul(current, previous)
    rollout.withUnsafeMutableBufferPointer { rollout in
      product.scalars.withUnsafeBufferPointer {
        (rollout.baseAddress! + layer * area).update(from: $0.baseAddress!, count: area)
      }
    }
    previous = product
  }
  return Tensor(shape: [layers, length, length], scalars: rollout)
}

/// Refuses maps that are not `[N, H, L, L]` with `N, H ≥ 1`, naming the lens.
func checkLayerMaps(_ attentions: Tensor, for lens: String) throws {
  guard attentions.rank == 4, attentions.shape[0] >= 1, attentions.shape[1] >= 1,
    attentions.shape[2] == attentions.shape[3]
  else {
    throw LensError("\(lens) needs [layers, heads, L, L], got \(attentions.shape)")
  }
}
