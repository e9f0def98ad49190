import Foundation

/// An `AttentionMask` checked against the shapes of one call and put in the
/// form the kernel reads.
struct ResolvedAttentionMask: Sendable {
  /// An array read at `b·strides[0] + h·strides[1] + q·strides[2] + k·strides[3]`
  /// for the score `(b, h, q, k)`; a stride of 0 repeats the array along that axis.
  struct Broadcast<Element: Sendable>: Sendable {
    var elements: [Element]
    var strides: [Int]
  }

  /// `[B·Lq]`: query `q` of batch element `b` sees keys `0..<keyLimits[b·Lq + q]`,
  /// the causal and valid-length parts together; `nil` when there are none.
  var keyLimits: [Int32]?
  /// The additive parts, summed; `nil` when there are none.
  var bias: Broadcast<Float>?
  /// The Boolean parts, 1 where every part allows the key; `nil` when there are none.
  var allowed: Broadcast<UInt8>?
}

extension AttentionMask {
  /// Checks every part against the shapes and merges the parts of each kind.
  ///
  /// - Throws: `AttentionError` naming the part, its shape and the scores'
  ///   shape when they do not fit, or the bad valid lengths.
  func resolved(for shapes: AttentionShapes) throws -> ResolvedAttentionMask {
    let scoresShape = shapes.leadingShape + [shapes.queryCount, shapes.keyCount]
    var resolved = ResolvedAttentionMask()
    resolved.keyLimits = try keyLimits(for: shapes)
    if !booleanParts.isEmpty {
      var parts: [ResolvedAttentionMask.Broadcast<UInt8>] = []
      for part in booleanParts {
        guard part.allowed.count == Tensor.elementCount(part.shape) else {
          throw AttentionError.shapeMismatch(
            "boolean mask of shape \(part.shape) holds \(part.allowed.count) values, "
              + "not \(Tensor.elementCount(part.shape))")
        }
        let strides = try Self.broadcastStrides(
          of: part.shape, to: scoresShape, name: "boolean mask")
        parts.append(.init(elements: part.allowed.map { $0 ? 1 : 0 }, strides: strides))
      }
      resolved.allowed = Self.merged(parts, shapes: shapes) { $0 & $1 }
    }
    if !additiveParts.isEmpty {
      var parts: [ResolvedAttentionMask.Broadcast<Float>] = []
      for part in additiveParts {
        let strides = try Self.broadcastStrides(
          of: part.shape, to: scoresShape, name: "additive mask")
        parts.append(.init(elements: part.scalars, strides: strides))
      }
      resolved.bias = Self.merged(parts, shapes: shapes) { $0 + $1 }
    }
    return resolved
  }

  /// The smallest key limit of the causal and valid-length parts for each
  /// of the `[B, Lq]` queries, or `nil` without such parts.
  private func keyLimits(for shapes: AttentionShapes) throws -> [Int32]? {
    guard !causalAlignments.isEmpty || !validLengthLists.isEmpty else { return nil }
    let (batch, queryCount, keyCount) = (shapes.batch, shapes.queryCount, shapes.keyCount)
    guard keyCount <= Int(Int32.max) else {
      throw AttentionError.invalidArgument("masks need Lk <= \(Int32.max), got \(keyCount) keys")
    }
    var limits = [Int32](repeating: Int32(keyCount), count: batch * queryCount)
    for alignment in causalAlignments {
      let offset = alignment == .topLeft ? 0 : keyCount - queryCount
      for b in 0..<batch {
        for q in 0..<queryCount {
          let visible = Int32(clamping: max(0, min(keyCount, q + 1 + offset)))
          limits[b * queryCount + q] = min(limits[b * queryCount + q], visible)
        }
      }
    }
    for lengths in validLengthLists {
      try ValidLengths.check(
        lengths, batch: batch, queries: queryCount, keys: keyCount,
        for: "keys \(shapes.leadingShape + [keyCount, shapes.depth])")
      let perBatch = lengths.count == batch
      for b in 0..<batch {
        for q in 0..<queryCount {
          let length = Int32(perBatch ? lengths[b] : lengths[b * queryCount + q])
          limits[b * queryCount + q] = min(limits[b * queryCount + q], length)
        }
      }
    }
    return limits
  }

  /// The strides over `(B, H, Lq, Lk)` that read a row-major array of
  /// `shape` broadcast to `scoresShape` (`[B, Lq, Lk]` or `[B, H, Lq, Lk]`).
  static func broadcastStrides(of shape: [Int], to scoresShape: [Int], name: String) throws -> [Int] {
    let rank = scoresShape.count
    // The axis of (B, H, Lq, Lk) that each axis of the scores is.
    let axes = rank == 4 ? [0, 1, 2, 3] : [0, 2, 3]
    let fits =
      shape.count <= rank
      && shape.indices.allSatisfy { k in
        shape[k] == 1 || shape[k] == scoresShape[rank - shape.count + k]
      }
    guard fits else {
      throw AttentionError.shapeMismatch(
        "\(name) \(shape) does not broadcast to the scores \(scoresShape): "
          + "aligned at the right, each axis must be 1 or equal to the scores' axis")
    }
    let own = Tensor.strides(of: shape)
    var strides = [0, 0, 0, 0]
    for k in shape.indices where shape[k] != 1 {
      strides[axes[rank - shape.count + k]] = own[k]
    }
    return strides
  }

  /// One array of the smallest shape that all `parts` broadcast to, whose
  /// elements combine the parts' elements with `combine`; a single part is
  /// returned as it is.
  static func merged<Element>(
    _ parts: [ResolvedAttentionMask.Broadcast<Element>], shapes: AttentionShapes,
    combine: (Element, Element) -> Element
  ) -> ResolvedAttentionMask.Broadcast<Element> {
    guard parts.count > 1 else { return parts[0] }
    let full = [shapes.batch, shapes.heads, shapes.queryCount, shapes.keyCount]
    // An axis is kept where some part varies along it.
    let extents = (0..<4).map { axis in parts.contains { $0.strides[axis] != 0 } ? full[axis] : 1 }
    var strides = Tensor.strides(of: extents)
    for axis in 0..<4 where extents[axis] == 1 { strides[axis] = 0 }
    var elements: [Element] = []
    elements.reserveCapacity(Tensor.elementCount(extents))
    for b in 0..<extents[0] {
      for h in 0..<extents[1] {
        for q in 0..<extents[2] {
          let rows = parts.map { b * $0.strides[0] + h * $0.strides[1] + q * $0.strides[2] }
          for k in 0..<extents[3] {
            var value = parts[0].elements[rows[0] + k * parts[0].strides[3]]
            for p in 1..<parts.count {
              value = combine(value, parts[p].elements[rows[p] + k * parts[p].strides[3]])
            }
            elements.append(value)
          }
        }
      }
    }
    return .init(elements: elements, strides: strides)
  }
}

extension AttentionMask {
  /// The mask of 3-D (`[B, Lq, Lk]`) scores for the same scores split into
  /// heads, `[B, H, Lq, Lk]`: Boolean and additive parts of rank 3 gain a
  /// head axis of 1, so they broadcast over the heads; valid lengths and
  /// causal parts already hold per batch element and query.
  func liftedOverHeads() -> AttentionMask {
    var lifted = self
    lifted.booleanParts = booleanParts.map { part in
      part.shape.count == 3
        ? BooleanPart(allowed: part.allowed, shape: [part.shape[0], 1, part.shape[1], part.shape[2]]) : part
    }
    lifted.additiveParts = additiveParts.map { part in
      part.rank == 3 ? part.reshaped([part.shape[0], 1, part.shape[1], part.shape[2]]) : part
    }
    return lifted
  }
}

/// The softmax over the keys of `scores` `[B, Lq, Lk]` (or `[B, H, Lq, Lk]`)
/// under `mask`: hidden keys get weight 0, additive parts add to the
/// scores, and a row that keeps no key follows `fullyMaskedRows`.
///
/// This is the mask's meaning for scores no kernel computes, such as
/// additive attention's; for dot products the flash kernel applies the same
/// mask.
///
/// - Throws: `AttentionError` when the mask does not fit the scores.
func maskedSoftmax(
  _ scores: Tensor, mask: AttentionMask, shapes: AttentionShapes,
  fullyMaskedRows: AttentionMask.FullyMaskedRows
) throws -> Tensor {
  let resolved = try mask.resolved(for: shapes)
  let (heads, queryCount, keyCount) = (shapes.heads, shapes.queryCount, shapes.keyCount)
  var weights = scores
  weights.withUnsafeMutableScalars { row in
    var logits = [Double](repeating: 0, count: keyCount)
    for matrix in 0..<shapes.matrixCount {
      let (batch, head) = (matrix / heads, matrix % heads)
      for query in 0..<queryCount {
        let start = (matrix * queryCount + query) * keyCount
        let limit = resolved.keyLimits.map { Int($0[batch * queryCount + query]) } ?? keyCount
        var peak = -Double.infinity
        for key in 0..<keyCount {
          var logit = Double(row[start + key])
          if key >= limit { logit = -.infinity }
          if let allowed = resolved.allowed,
            allowed.elements[offset(batch, head, query, key, allowed.strides)] == 0
          {
            logit = -.infinity
          }
          if let bias = resolved.bias, logit > -.infinity {
            logit += Double(bias.elements[offset(batch, head, query, key, bias.strides)])
          }
          logits[key] = logit
          peak = max(peak, logit)
        }
        guard peak > -.infinity else {
          let fill: Float = fullyMaskedRows == .uniform ? 1 / Float(keyCount) : 0
          for key in 0..<keyCount { row[start + key] = fill }
          continue
        }
        var sum = 0.0
        for key in 0..<keyCount {
          logits[key] = logits[key] == -.infinity ? 0 : Foundation.exp(logits[key] - peak)
          sum += logits[key]
        }
        for key in 0..<keyCount { row[start + key] = Float(logits[key] / sum) }
      }
    }
  }
  return weights
}

@inline(__always)
private func offset(_ batch: Int, _ head: Int, _ query: Int, _ key: Int, _ strides: [Int]) -> Int {
  batch * strides[0] + head * strides[1] + query * strides[2] + key * strides[3]
}
