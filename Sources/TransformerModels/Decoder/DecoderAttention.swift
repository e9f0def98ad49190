import AttentionCore
import CAttentionKernels
import Foundation

/// The attention sublayer of one decoder layer: the query, key and value
/// projections (with biases where the family has them), causal attention
/// over the KV cache on the flash kernel, and the output projection.
///
/// Legend: `D` hidden width, `H` query heads, `K` key/value heads, `d` head width.
struct DecoderAttention: Sendable {
  /// `[H·d, D]`.
  let query: DecoderMatrix
  /// `[K·d, D]`.
  let key: DecoderMatrix
  /// `[K·d, D]`.
  let value: DecoderMatrix
  /// `[D, H·d]`.
  let output: DecoderMatrix
}

/// One pass of `T` new tokens through the attention sublayers of a decoder:
/// the buffers every layer reuses, and the positions the tokens take.
///
/// Legend: `T` new tokens, `L` tokens read once they are in, `H` query
/// heads, `K` key/value heads, `G = H / K`, `d` head width, `C` the cache's
/// capacity.
struct AttentionPass {
  let sizes: DecoderSizes
  /// `T`.
  let count: Int
  /// The position of the first new token: the tokens the cache held before.
  let start: Int
  /// The rotary embedding of the new positions, for a family that rotates Q and K.
  let rotation: RotaryTable?
  /// `[T, H·d]`, `[T, K·d]`, `[T, K·d]`: the projections, token-major.
  private var queries: [Float]
  private var newKeys: [Float]
  private var newValues: [Float]
  /// `[H, T, d]`: the queries head-major, rotated.
  private var headQueries: [Float]
  /// `[H, T, d]`, then `[T, H·d]` in `mixed`.
  private var headOutput: [Float]
  private var mixed: [Float]
  /// `[G, T, L]`: the weights of one key/value head's query heads, when recording.
  private var weights: [Float]
  /// `[G, T]`: each query row sees the keys up to its own position.
  private let keyLimits: [Int32]

  /// - Parameter state: the state the tokens were just added to (`advance(by: count)`).
  init(sizes: DecoderSizes, count: Int, state: DecoderState, rotation: RotaryTable?) {
    self.sizes = sizes
    self.count = count
    start = state.length - count
    self.rotation = rotation
    queries = [Float](repeating: 0, count: count * sizes.queryWidth)
    newKeys = [Float](repeating: 0, count: count * sizes.keyValueWidth)
    newValues = newKeys
    headQueries = queries
    headOutput = queries
    mixed = queries
    let group = sizes.groupSize
    weights = [Float](repeating: 0, count: state.recordsAttention ? group * count * state.length : 0)
    var keyLimits = [Int32](repeating: 0, count: group * count)
    for member in 0..<group {
      for token in 0..<count { keyLimits[member * count + token] = Int32(start + token + 1) }
    }
    self.keyLimits = keyLimits
  }

  /// Runs `block` of layer `layer` on `input` (`[T, D]`, normalized),
  /// appends the new keys and values to `state` (and the attention rows,
  /// when it records), and writes the sublayer's output `[T, D]` to `output`.
  mutating func run(
    _ block: DecoderAttention, layer: Int, input: [Float], state: inout DecoderState,
    into output: inout [Float]
  ) {
    let (heads, kvHeads, headSize) = (sizes.headCount, sizes.keyValueHeadCount, sizes.headSize)
    let width = sizes.queryWidth
    input.withUnsafeBufferPointer { input in
      queries.withUnsafeMutableBufferPointer { queries in
        newKeys.withUnsafeMutableBufferPointer { keys in
          newValues.withUnsafeMutableBufferPointer { values in
            DecoderMatrix.multiply(
              [block.query, block.key, block.value], input.baseAddress!, rows: count,
              into: [queries.baseAddress!, keys.baseAddress!, values.baseAddress!])
          }
        }
      }
    }
    if count <= Self.fewTokens && !state.keepsRecords {
      // A token being written: the queries stay token-major, rotated in
      // place, and every head's row is one call of the decode kernel.
      for token in 0..<count {
        for head in 0..<heads { rotation?.rotate(&queries, at: token * width + head * headSize, token: token) }
      }
      appendToCache(layer: layer, state: &state)
      attendFew(layer: layer, state: &state)
    } else {
      // Queries to [H, T, d], rotated; keys and values rotated into the cache at [K, C, d].
      queries.withUnsafeBufferPointer { queries in
        headQueries.withUnsafeMutableBufferPointer { headQueries in
          for token in 0..<count {
            for head in 0..<heads {
              let target = headQueries.baseAddress! + (head * count + token) * headSize
              target.update(from: queries.baseAddress! + token * width + head * headSize, count: headSize)
              rotation?.rotate(target, token: token)
            }
          }
        }
      }
      appendToCache(layer: layer, state: &state)
      // Each key/value head with the query heads that share it: their
      // queries are one block of `G · T` rows, each row limited to the keys
      // up to its own position.
      for kvHead in 0..<kvHeads { attend(kvHead: kvHead, layer: layer, state: &state) }
      headOutput.withUnsafeBufferPointer { headOutput in
        mixed.withUnsafeMutableBufferPointer { mixed in
          for token in 0..<count {
            for head in 0..<heads {
              (mixed.baseAddress! + token * width + head * headSize).update(
                from: headOutput.baseAddress! + (head * count + token) * headSize, count: headSize)
            }
          }
        }
      }
    }
    mixed.withUnsafeMutableBufferPointer { mixed in
      for head in state.ablatedHeads[layer] {
        for token in 0..<count {
          (mixed.baseAddress! + token * width + head * headSize).update(repeating: 0, count: headSize)
        }
      }
    }
    mixed.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer {
        block.output.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
      }
    }
  }

  /// Up to this many new tokens go through the decode kernel, whose work
  /// items are single query rows; more go through the flash kernel, whose
  /// vector lanes run across 64 queries.
  static let fewTokens = 4

  /// The new keys, rotated, and values into the cache of `layer` at `[K, C, d]`.
  private func appendToCache(layer: Int, state: inout DecoderState) {
    let (kvHeads, headSize, kvWidth) = (sizes.keyValueHeadCount, sizes.headSize, sizes.keyValueWidth)
    let (tokens, first, capacity) = (count, start, state.capacity)
    newKeys.withUnsafeBufferPointer { newKeys in
      newValues.withUnsafeBufferPointer { newValues in
        state.keys[layer].withUnsafeMutableBufferPointer { keys in
          state.values[layer].withUnsafeMutableBufferPointer { values in
            for token in 0..<tokens {
              for head in 0..<kvHeads {
                let source = token * kvWidth + head * headSize
                let target = (head * capacity + first + token) * headSize
                (keys.baseAddress! + target).update(from: newKeys.baseAddress! + source, count: headSize)
                (values.baseAddress! + target).update(from: newValues.baseAddress! + source, count: headSize)
              }
            }
          }
        }
      }
    }
    guard let rotation else { return }
    state.keys[layer].withUnsafeMutableBufferPointer { keys in
      for token in 0..<tokens {
        for head in 0..<kvHeads {
          rotation.rotate(keys.baseAddress! + (head * capacity + first + token) * headSize, token: token)
        }
      }
    }
  }

  /// The attention of the few new tokens' query heads over the cache of
  /// `layer`, on the decode kernel: the output into `mixed` at `[T, H·d]`,
  /// and the weights straight into the state's rows when it records.
  private mutating func attendFew(layer: Int, state: inout DecoderState) {
    let (heads, capacity) = (sizes.headCount, state.capacity)
    var problem = ak_decode_attention_problem()
    problem.count = count
    problem.start = start
    problem.heads = heads
    problem.kv_heads = sizes.keyValueHeadCount
    problem.depth = sizes.headSize
    problem.capacity = capacity
    problem.scale = 1 / Float(sizes.headSize).squareRoot()
    problem.head_stride = capacity * capacity
    problem.row_stride = capacity
    let records = state.recordsAttention
    let status = queries.withUnsafeBufferPointer { queries in
      state.keys[layer].withUnsafeBufferPointer { keys in
        state.values[layer].withUnsafeBufferPointer { values in
          mixed.withUnsafeMutableBufferPointer { output in
            state.attention.withUnsafeMutableBufferPointer { attention in
              problem.queries = queries.baseAddress
              problem.keys = keys.baseAddress
              problem.values = values.baseAddress
              problem.output = output.baseAddress
              problem.weights = records ? attention.baseAddress! + layer * heads * capacity * capacity : nil
              return ak_decode_attention(&problem, KernelInstructionSet.detected.cValue, Int32(clamping: Self.cores))
            }
          }
        }
      }
    }
    precondition(status == 0, "decode attention failed (\(status)): out of memory or sizes out of range")
    // The kernel writes each row up to its token.
    if records { state.zeroPastDiagonal(layer: layer, heads: 0..<heads, positions: start..<(start + count)) }
  }

  /// The cores to use, read once: on Linux the count comes from files.
  private static let cores = ProcessInfo.processInfo.activeProcessorCount

  /// Scaled dot-product attention of the query heads of `kvHead` over the
  /// cached keys, on the flash kernel; records the weights when the state does.
  private mutating func attend(kvHead: Int, layer: Int, state: inout DecoderState) {
    if state.keepsRecords { return attendKeepingRecord(kvHead: kvHead, layer: layer, state: &state) }
    let headSize = sizes.headSize
    let group = sizes.groupSize
    let length = state.length
    let records = state.recordsAttention
    let queryOffset = kvHead * group * count * headSize
    let cacheOffset = kvHead * state.capacity * headSize
    headQueries.withUnsafeBufferPointer { queries in
      state.keys[layer].withUnsafeBufferPointer { keys in
        state.values[layer].withUnsafeBufferPointer { values in
          headOutput.withUnsafeMutableBufferPointer { output in
            weights.withUnsafeMutableBufferPointer { weights in
              keyLimits.withUnsafeBufferPointer { limits in
                var problem = ak_sdpa_problem()
                problem.queries = queries.baseAddress! + queryOffset
                problem.keys = keys.baseAddress! + cacheOffset
                problem.values = values.baseAddress! + cacheOffset
                problem.output = output.baseAddress! + queryOffset
                problem.weights = records ? weights.baseAddress : nil
                problem.batch = 1
                problem.heads = 1
                problem.query_count = group * count
                problem.key_count = length
                problem.depth = headSize
                problem.value_depth = headSize
                problem.scale = 1 / Float(headSize).squareRoot()
                problem.key_limits = limits.baseAddress
                problem.key_block = 128
                _ = ak_sdpa_run(&problem, KernelInstructionSet.detected.cValue, Int32(clamping: Self.cores))
              }
            }
          }
        }
      }
    }
    guard records else { return }
    let capacity = state.capacity
    let (tokens, first, heads) = (count, start, sizes.headCount)
    weights.withUnsafeBufferPointer { weights in
      state.attention.withUnsafeMutableBufferPointer { attention in
        for member in 0..<group {
          let head = kvHead * group + member
          for token in 0..<tokens {
            let source = (member * tokens + token) * length
            let target = ((layer * heads + head) * capacity + first + token) * capacity
            (attention.baseAddress! + target).update(from: weights.baseAddress! + source, count: first + token + 1)
          }
        }
      }
    }
    state.zeroPastDiagonal(
      layer: layer, heads: (kvHead * group)..<((kvHead + 1) * group), positions: start..<(start + count))
  }

  /// `attend` for a run that keeps records: the same kernel with the same
  /// key block and key limits, through `scaledDotProductAttentionRecorded`,
  /// so its output and any block recomputed from the record are the floats
  /// a run that keeps the weights gives.
  private mutating func attendKeepingRecord(kvHead: Int, layer: Int, state: inout DecoderState) {
    let (headSize, group, length) = (sizes.headSize, sizes.groupSize, state.length)
    let rows = group * count
    let queryOffset = kvHead * rows * headSize
    let cacheOffset = kvHead * state.capacity * headSize
    let queries = Tensor(
      shape: [1, rows, headSize], scalars: Array(headQueries[queryOffset..<(queryOffset + rows * headSize)]))
    let keys = Tensor(
      shape: [1, length, headSize], scalars: Array(state.keys[layer][cacheOffset..<(cacheOffset + length * headSize)]))
    let values = Tensor(
      shape: [1, length, headSize],
      scalars: Array(state.values[layer][cacheOffset..<(cacheOffset + length * headSize)]))
    // The sizes agree by construction, and every row sees its own key.
    let (output, record) = try! scaledDotProductAttentionRecorded(
      queries: queries, keys: keys, values: values, mask: .validLengths(keyLimits.map(Int.init)),
      scale: 1 / Float(headSize).squareRoot())
    headOutput.replaceSubrange(queryOffset..<(queryOffset + rows * headSize), with: output.scalars)
    state.passes[layer][kvHead].append(
      RecordedPass(
        start: start, count: count, queries: record.queries.scalars, rowMaximum: record.rowMaximum,
        rowInverseSum: record.rowInverseSum))
    // The last token's row of each query head, while the record has its keys.
    let (heads, capacity) = (sizes.headCount, state.capacity)
    for member in 0..<group {
      let row = member * count + count - 1
      let weights = try! record.weights(rows: row..<(row + 1), columns: 0..<length)
      let target = (layer * heads + kvHead * group + member) * capacity
      state.lastRow.replaceSubrange(target..<(target + length), with: weights.scalars)
    }
  }
}
