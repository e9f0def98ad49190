/// Argument checks and small steps shared by the attention layers.
///
/// The layers follow d2l: queries `[B, Lq, Dq]`, keys `[B, Lk, Dk]` and
/// values `[B, Lk, Dv]`, with learned projections stored `[in, out]`.
/// Errors use d2l's names for the weights (`W_q`, `W_k`, ...), the names a
/// reader of the book knows them by.
enum LayerInputs {
  /// The sizes of a queries/keys/values triple of sequences.
  struct Sizes {
    let batch: Int  // B
    let queryCount: Int  // Lq
    let keyCount: Int  // Lk
  }

  /// Checks that queries, keys and values are 3-D and agree on `B` and `Lk`;
  /// the feature widths are left to the projections.
  ///
  /// - Parameters:
  ///   - queries: `[B, Lq, Dq]`.
  ///   - keys: `[B, Lk, Dk]`.
  ///   - values: `[B, Lk, Dv]`.
  ///   - layer: the layer's name, for the error.
  static func checkSequences(queries: Tensor, keys: Tensor, values: Tensor, layer: String) throws -> Sizes {
    guard queries.rank == 3, keys.rank == 3, values.rank == 3 else {
      throw AttentionError.shapeMismatch(
        "\(layer) needs queries [B, Lq, Dq], keys [B, Lk, Dk] and values [B, Lk, Dv]; "
          + "got queries \(queries.shape), keys \(keys.shape), values \(values.shape)")
    }
    guard keys.shape[0] == queries.shape[0] else {
      throw AttentionError.shapeMismatch(
        "queries \(queries.shape) and keys \(keys.shape) disagree on B (\(queries.shape[0]) vs \(keys.shape[0]))"
      )
    }
    guard values.shape[0] == keys.shape[0], values.shape[1] == keys.shape[1] else {
      throw AttentionError.shapeMismatch(
        "keys \(keys.shape) and values \(values.shape) disagree on B or Lk")
    }
    return Sizes(batch: queries.shape[0], queryCount: queries.shape[1], keyCount: keys.shape[1])
  }

  /// Checks that a projection weight is a matrix, `[in, out]`.
  static func checkMatrix(_ weight: Tensor, named name: String) throws {
    guard weight.rank == 2 else {
      throw AttentionError.shapeMismatch("\(name) \(weight.shape) is not a matrix [in, out]")
    }
  }

  /// `inputs @ weight`: d2l's `nn.Linear(bias=False)` with the weight stored
  /// `[in, out]`.
  ///
  /// - Parameters:
  ///   - inputs: `[B, L, in]`, named `inputName` in errors.
  ///   - weight: `[in, out]`, named `weightName` in errors.
  /// - Returns: `[B, L, out]`.
  static func project(
    _ inputs: Tensor, named inputName: String, by weight: Tensor, named weightName: String
  ) throws -> Tensor {
    let width = inputs.shape.last ?? 0
    guard weight.rank == 2, weight.shape[0] == width else {
      throw AttentionError.shapeMismatch(
        "\(weightName) \(weight.shape) does not fit \(inputName) \(inputs.shape): "
          + "expected [\(width), \(weight.rank == 2 ? String(weight.shape[1]) : "out")]")
    }
    return try matmul(inputs, weight)
  }

}
