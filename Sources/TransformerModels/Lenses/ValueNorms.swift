import AttentionCore

/// What each head adds to the output for each token it reads: the value
/// vectors of every layer, and the output projection that turns a head's
/// share of the context into the residual stream.
///
/// Legend: `N` layers, `H` query heads, `K` value heads (`K = H`, or fewer
/// for grouped-query attention: query head `h` reads value head
/// `h / (H / K)`), `L` tokens, `d` head width, `D` model width.
public struct HeadValues: Sendable, Equatable {
  /// `[N, K, L, d]`: each token's value vector per value head, as the
  /// layer computed it (its bias included).
  public var values: Tensor
  /// `[N, D, H·d]`: each layer's attention output projection as
  /// `nn.Linear` stores it (outputs × inputs); query head `h` reads columns
  /// `h·d ..< (h + 1)·d`. Its bias is not part of any head.
  public var outputWeights: Tensor

  /// - Precondition: the shapes agree: `N` and `d` shared, `H·d` a multiple of `K·d`.
  public init(values: Tensor, outputWeights: Tensor) {
    precondition(
      values.rank == 4 && outputWeights.rank == 3 && values.shape[0] == outputWeights.shape[0]
        && outputWeights.shape[2] % (values.shape[1] * values.shape[3]) == 0,
      "values \(values.shape) and output weights \(outputWeights.shape) do not fit")
    self.values = values
    self.outputWeights = outputWeights
  }

  /// `H`.
  public var queryHeadCount: Int { outputWeights.shape[2] / values.shape[3] }

  /// `[N, H, L]`: `‖f_h(x_j)‖`, the length of what head `h` of each layer
  /// would add to the output from token `j` alone with all its weight
  /// there: token `j`'s value vector times the head's slice of the output
  /// projection.
  public func transformedNorms() -> Tensor {
    let (layers, valueHeads, length, width) = (values.shape[0], values.shape[1], values.shape[2], values.shape[3])
    let (model, heads) = (outputWeights.shape[1], queryHeadCount)
    let group = heads / valueHeads
    var norms = [Float](repeating: 0, count: layers * heads * length)
    for layer in 0..<layers {
      // [H, d, D]: the transpose of each head's slice, so one batched
      // product gives every head's transformed values.
      var slices = [Float](repeating: 0, count: heads * width * model)
      var expanded = [Float](repeating: 0, count: heads * length * width)
      outputWeights.scalars.withUnsafeBufferPointer { weights in
        let base = layer * model * heads * width
        for output in 0..<model {
          for column in 0..<(heads * width) {
            slices[column * model + output] = weights[base + output * heads * width + column]
          }
        }
      }
      values.scalars.withUnsafeBufferPointer { values in
        for head in 0..<heads {
          let source = (layer * valueHeads + head / group) * length * width
          for index in 0..<(length * width) { expanded[head * length * width + index] = values[source + index] }
        }
      }
      let transformed = try! matmul(
        Tensor(shape: [heads, length, width], scalars: expanded),
        Tensor(shape: [heads, width, model], scalars: slices))  // [H, L, D]
      transformed.scalars.withUnsafeBufferPointer { rows in
        for row in 0..<(heads * length) {
          var sum: Float = 0
          for column in 0..<model { sum += rows[row * model + column] * rows[row * model + column] }
          norms[layer * heads * length + row] = sum.squareRoot()
        }
      }
    }
    return Tensor(shape: [layers, heads, length], scalars: norms)
  }
}

/// The norm-based view of attention (Kobayashi et al., 2020):
/// `‖αᵢⱼ · f_h(xⱼ)‖ = αᵢⱼ · ‖f_h(xⱼ)‖`, where `f_h` is the value projection
/// followed by head `h`'s slice of the output projection: how much token
/// `j` moves token `i`'s output through head `h`, not only how much weight
/// it gets.
///
/// Legend: `N` layers, `H` heads, `L` tokens.
///
/// - Parameters:
///   - attentions: `[N, H, L, L]`.
///   - values: the same run's value vectors and output weights.
/// - Returns: `[N, H, L, L]`, in the units of the residual stream.
/// - Throws: `LensError` when the run's shapes and the values' disagree.
public func valueWeightedNorms(_ attentions: Tensor, values: HeadValues) throws -> Tensor {
  let norms = values.transformedNorms()  // [N, H, L]
  guard attentions.rank == 4, Array(attentions.shape.prefix(3)) == norms.shape,
    attentions.shape[3] == norms.shape[2]
  else {
    throw LensError(
      "value norms: attentions \(attentions.shape) do not fit values \(values.values.shape) "
        + "and output weights \(values.outputWeights.shape)")
  }
  let length = attentions.shape[3]
  let rows = attentions.shape[0] * attentions.shape[1] * length
  var result = attentions.scalars
  norms.scalars.withUnsafeBufferPointer { norms in
    result.withUnsafeMutableBufferPointer { result in
      for row in 0..<rows {
        let map = row / length
        for column in 0..<length { result[row * length + column] *= norms[map * length + column] }
      }
    }
  }
  return Tensor(shape: attentions.shape, scalars: result)
}
