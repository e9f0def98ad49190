import AttentionCore
import CAttentionKernels
import Foundation
import TensorIO

extension LlamaModel {
  /// Which logits a pass computes: the output layer is the largest matrix,
  /// and a prompt needs it only for its last token.
  enum LogitRows { case none, last, all }

  /// Reads `ids` at the positions after what `state` holds, appends their
  /// keys and values to it (and their attention rows, when it records),
  /// and returns the logits asked for: `[V]` for `.last`, `[T, V]` for
  /// `.all`, empty for `.none`.
  func run(_ ids: [Int], state: inout DecoderState, logits rows: LogitRows) -> [Float] {
    let count = ids.count
    let start = state.length
    let (width, headSize, heads) = (config.hiddenSize, config.headSize, config.headCount)
    let kvHeads = config.keyValueHeadCount
    let kvWidth = kvHeads * headSize
    state.advance(by: count)
    let length = state.length

    var hidden = embed(ids)
    var normed = [Float](repeating: 0, count: count * width)
    var queries = [Float](repeating: 0, count: count * width)
    var newKeys = [Float](repeating: 0, count: count * kvWidth)
    var newValues = [Float](repeating: 0, count: count * kvWidth)
    var headQueries = [Float](repeating: 0, count: count * width)
    var headOutput = [Float](repeating: 0, count: count * width)
    var mixed = [Float](repeating: 0, count: count * width)
    var projected = [Float](repeating: 0, count: count * width)
    var gate = [Float](repeating: 0, count: count * config.feedForwardSize)
    var up = [Float](repeating: 0, count: count * config.feedForwardSize)
    let group = config.groupSize
    var weights = [Float](repeating: 0, count: state.recordsAttention ? group * count * length : 0)
    var keyLimits = [Int32](repeating: 0, count: group * count)
    for member in 0..<group {
      for token in 0..<count { keyLimits[member * count + token] = Int32(start + token + 1) }
    }
    let rotation = RotaryTable(config: config, positions: start..<length)

    for (index, layer) in layers.enumerated() {
      rmsNorm(hidden, weight: layer.attentionNorm, rows: count, into: &normed)
      normed.withUnsafeBufferPointer { input in
        queries.withUnsafeMutableBufferPointer { layer.query.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!) }
        newKeys.withUnsafeMutableBufferPointer { layer.key.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!) }
        newValues.withUnsafeMutableBufferPointer { layer.value.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!) }
      }
      // Queries to [H, T, d], rotated; keys and values rotated into the cache at [K, C, d].
      for token in 0..<count {
        for head in 0..<heads {
          let source = token * width + head * headSize
          let target = (head * count + token) * headSize
          for feature in 0..<headSize { headQueries[target + feature] = queries[source + feature] }
          rotation.rotate(&headQueries, at: target, token: token)
        }
        for head in 0..<kvHeads {
          let source = token * kvWidth + head * headSize
          let target = (head * state.capacity + start + token) * headSize
          for feature in 0..<headSize {
            state.keys[index][target + feature] = newKeys[source + feature]
            state.values[index][target + feature] = newValues[source + feature]
          }
          rotation.rotate(&state.keys[index], at: target, token: token)
        }
      }
      // Each key/value head with the query heads that share it: their
      // queries are one block of `group · T` rows, each row limited to the
      // keys up to its own position.
      for kvHead in 0..<kvHeads {
        attend(
          kvHead: kvHead, layer: index, queries: headQueries, count: count, start: start, state: &state,
          keyLimits: keyLimits, weights: &weights, output: &headOutput)
      }
      for token in 0..<count {
        for head in 0..<heads {
          let source = (head * count + token) * headSize
          let target = token * width + head * headSize
          for feature in 0..<headSize { mixed[target + feature] = headOutput[source + feature] }
        }
      }
      mixed.withUnsafeBufferPointer { input in
        projected.withUnsafeMutableBufferPointer {
          layer.attentionOutput.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
      for element in 0..<(count * width) { hidden[element] += projected[element] }

      rmsNorm(hidden, weight: layer.feedForwardNorm, rows: count, into: &normed)
      normed.withUnsafeBufferPointer { input in
        gate.withUnsafeMutableBufferPointer { layer.gate.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!) }
        up.withUnsafeMutableBufferPointer { layer.up.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!) }
      }
      for element in gate.indices {
        let g = gate[element]
        gate[element] = g / (1 + expf(-g)) * up[element]
      }
      gate.withUnsafeBufferPointer { input in
        projected.withUnsafeMutableBufferPointer {
          layer.down.multiply(input.baseAddress!, rows: count, into: $0.baseAddress!)
        }
      }
      for element in 0..<(count * width) { hidden[element] += projected[element] }
    }

    let first: Int
    switch rows {
    case .none: return []
    case .last: first = count - 1
    case .all: first = 0
    }
    let outputRows = count - first
    var finalInput = [Float](repeating: 0, count: outputRows * width)
    let tail = Array(hidden[(first * width)...])
    rmsNorm(tail, weight: outputNorm, rows: outputRows, into: &finalInput)
    var logits = [Float](repeating: .nan, count: outputRows * config.vocabularySize)
    finalInput.withUnsafeBufferPointer { input in
      logits.withUnsafeMutableBufferPointer { output.multiply(input.baseAddress!, rows: outputRows, into: $0.baseAddress!) }
    }
    return logits
  }

  /// The embedding rows of `ids`: `[T, D]`.
  func embed(_ ids: [Int]) -> [Float] {
    let width = config.hiddenSize
    let bytes = file.bytes(of: embedding)
    let rowBytes = embedding.byteCount / config.vocabularySize
    var rows = [Float](repeating: 0, count: ids.count * width)
    rows.withUnsafeMutableBufferPointer { rows in
      for (token, id) in ids.enumerated() {
        _ = ak_dequantize(
          Int32(embedding.type.rawValue), bytes.baseAddress! + id * rowBytes, rows.baseAddress! + token * width, width)
      }
    }
    return rows
  }

  /// `x / sqrt(mean(x²) + ε) · w` for each row, as Hugging Face's LlamaRMSNorm computes it in Float32.
  func rmsNorm(_ input: [Float], weight: [Float], rows: Int, into output: inout [Float]) {
    let width = config.hiddenSize
    for row in 0..<rows {
      let base = row * width
      var squares: Float = 0
      for column in 0..<width { squares += input[base + column] * input[base + column] }
      let scale = 1 / (squares / Float(width) + config.normEpsilon).squareRoot()
      for column in 0..<width { output[base + column] = weight[column] * (input[base + column] * scale) }
    }
  }

  /// Scaled dot-product attention of the query heads of `kvHead` over the
  /// cached keys, on the flash kernel; records the weights when the state does.
  private func attend(
    kvHead: Int, layer: Int, queries: [Float], count: Int, start: Int, state: inout DecoderState,
    keyLimits: [Int32], weights: inout [Float], output: inout [Float]
  ) {
    let headSize = config.headSize
    let group = config.groupSize
    let length = state.length
    let records = state.recordsAttention
    let queryOffset = kvHead * group * count * headSize
    let cacheOffset = kvHead * state.capacity * headSize
    queries.withUnsafeBufferPointer { queries in
      state.keys[layer].withUnsafeBufferPointer { keys in
        state.values[layer].withUnsafeBufferPointer { values in
          output.withUnsafeMutableBufferPointer { output in
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
                _ = ak_sdpa_run(
                  &problem, KernelInstructionSet.detected.cValue,
                  Int32(clamping: ProcessInfo.processInfo.activeProcessorCount))
              }
            }
          }
        }
      }
    }
    guard records else { return }
    let capacity = state.capacity
    for member in 0..<group {
      let head = kvHead * group + member
      for token in 0..<count {
        let source = (member * count + token) * length
        let target = ((layer * config.headCount + head) * capacity + start + token) * capacity
        for column in 0...(start + token) { state.attention[target + column] = weights[source + column] }
      }
    }
  }
}

/// cos and sin of every position's rotation angles, `θᵢ = base^(−2i/d)`,
/// computed as Hugging Face's rotary embedding does (inverse frequencies
/// and their products with the position in Float32).
struct RotaryTable {
  let half: Int
  let layout: LlamaConfig.RotaryLayout
  /// `[T, d/2]` each.
  let cosines: [Float]
  let sines: [Float]

  init(config: LlamaConfig, positions: Range<Int>) {
    let size = config.headSize
    half = size / 2
    layout = config.rotaryLayout
    let base = Float(config.ropeBase)
    let inverse = (0..<half).map { 1 / powf(base, Float(2 * $0) / Float(size)) }
    var cosines: [Float] = []
    var sines: [Float] = []
    cosines.reserveCapacity(positions.count * half)
    sines.reserveCapacity(positions.count * half)
    for position in positions {
      for pair in 0..<half {
        let angle = Double(Float(position) * inverse[pair])
        cosines.append(Float(cos(angle)))
        sines.append(Float(sin(angle)))
      }
    }
    self.cosines = cosines
    self.sines = sines
  }

  /// Rotates the `d` features at `offset` of `vector` by token `token`'s angles.
  func rotate(_ vector: inout [Float], at offset: Int, token: Int) {
    for pair in 0..<half {
      let (c, s) = (cosines[token * half + pair], sines[token * half + pair])
      let (first, second) =
        layout == .interleavedPairs ? (offset + 2 * pair, offset + 2 * pair + 1) : (offset + pair, offset + pair + half)
      let (x, y) = (vector[first], vector[second])
      vector[first] = x * c - y * s
      vector[second] = y * c + x * s
    }
  }
}
