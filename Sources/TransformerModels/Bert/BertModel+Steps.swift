import AttentionCore

extension BertModel {
  /// Rejects inputs the embeddings cannot look up, naming the sequence and token.
  func checkInputs(_ batch: [(ids: [Int], typeIds: [Int])]) throws(BertModelError) {
    guard !batch.isEmpty else { throw BertModelError(path: nil, reason: "no sequences to encode") }
    for (number, sequence) in batch.enumerated() {
      let which = batch.count == 1 ? "the sequence" : "sequence \(number)"
      func fail(_ reason: String) -> BertModelError {
        BertModelError(path: nil, reason: "\(which): \(reason)")
      }
      guard !sequence.ids.isEmpty else { throw fail("no tokens") }
      guard sequence.ids.count <= config.maxPositions else {
        throw fail("\(sequence.ids.count) tokens, but the model has \(config.maxPositions) positions")
      }
      guard sequence.typeIds.count == sequence.ids.count else {
        throw fail("\(sequence.typeIds.count) type ids for \(sequence.ids.count) ids")
      }
      if let position = sequence.ids.firstIndex(where: { $0 < 0 || $0 >= config.vocabularySize }) {
        throw fail(
          "id \(sequence.ids[position]) at token \(position) is outside the vocabulary 0..<\(config.vocabularySize)"
        )
      }
      if let position = sequence.typeIds.firstIndex(where: { $0 < 0 || $0 >= config.typeVocabularySize }) {
        throw fail(
          "type id \(sequence.typeIds[position]) at token \(position) is outside 0..<\(config.typeVocabularySize)"
        )
      }
    }
  }

  /// Word + position + token type embeddings, normalised; padding rows stay zero before the norm.
  ///
  /// - Returns: `[B·L, D]`.
  func embed(_ batch: [(ids: [Int], typeIds: [Int])], sequenceLength: Int) -> Tensor {
    let width = config.hiddenSize
    var sums = [Float](repeating: 0, count: batch.count * sequenceLength * width)
    sums.withUnsafeMutableBufferPointer { sums in
      wordEmbeddings.scalars.withUnsafeBufferPointer { words in
        positionEmbeddings.scalars.withUnsafeBufferPointer { positions in
          tokenTypeEmbeddings.scalars.withUnsafeBufferPointer { types in
            for (sequence, tokens) in batch.enumerated() {
              for position in tokens.ids.indices {
                let row = (sequence * sequenceLength + position) * width
                let word = tokens.ids[position] * width
                let type = tokens.typeIds[position] * width
                let place = position * width
                for column in 0..<width {
                  sums[row + column] = words[word + column] + positions[place + column] + types[type + column]
                }
              }
            }
          }
        }
      }
    }
    return embeddingNorm(Tensor(shape: [batch.count * sequenceLength, width], scalars: sums))
  }

  /// Adds the projections' bias and splits them into heads.
  ///
  /// - Parameters:
  ///   - queryKeyValue: `[B·L, 3D]`, each row `[q | k | v]` and each of
  ///     those `H` heads of `d` columns.
  ///   - bias: `[3D]`.
  /// - Returns: queries, keys and values, each `[B, H, L, d]`.
  func splitHeads(_ queryKeyValue: Tensor, bias: Tensor, batch: Int, length: Int) -> (Tensor, Tensor, Tensor)
  {
    let (heads, headSize, width) = (config.headCount, config.headSize, config.hiddenSize)
    let count = batch * length * width
    var parts: [[Float]] = []
    queryKeyValue.scalars.withUnsafeBufferPointer { source in
      bias.scalars.withUnsafeBufferPointer { bias in
        for part in 0..<3 {
          parts.append(
            [Float](unsafeUninitializedCapacity: count) { destination, initialized in
              for sequence in 0..<batch {
                for head in 0..<heads {
                  let column = part * width + head * headSize
                  let headBias = bias.baseAddress! + column
                  for token in 0..<length {
                    let from = source.baseAddress! + (sequence * length + token) * 3 * width + column
                    let to =
                      destination.baseAddress! + ((sequence * heads + head) * length + token) * headSize
                    for index in 0..<headSize { to[index] = from[index] + headBias[index] }
                  }
                }
              }
              initialized = count
            })
        }
      }
    }
    let shape = [batch, heads, length, headSize]
    return (
      Tensor(shape: shape, scalars: parts[0]), Tensor(shape: shape, scalars: parts[1]),
      Tensor(shape: shape, scalars: parts[2])
    )
  }

  /// Puts the heads side by side again.
  ///
  /// - Parameter context: `[B, H, L, d]`.
  /// - Returns: `[B·L, D]`.
  func mergeHeads(_ context: Tensor) -> Tensor {
    let (batch, heads, length, headSize) = (
      context.shape[0], context.shape[1], context.shape[2], context.shape[3]
    )
    let width = heads * headSize
    let count = context.count
    let scalars = context.scalars.withUnsafeBufferPointer { source in
      [Float](unsafeUninitializedCapacity: count) { destination, initialized in
        for sequence in 0..<batch {
          for head in 0..<heads {
            for token in 0..<length {
              let from = ((sequence * heads + head) * length + token) * headSize
              let to = (sequence * length + token) * width + head * headSize
              for index in 0..<headSize { destination[to + index] = source[from + index] }
            }
          }
        }
        initialized = count
      }
    }
    return Tensor(shape: [batch * length, width], scalars: scalars)
  }

  /// Copies one layer's weights of each sequence, without its padding, into `attentions`.
  ///
  /// - Parameters:
  ///   - attentionWeights: `[B, H, L, L]`.
  ///   - attentions: `B` buffers `[layers, H, Lᵢ, Lᵢ]`.
  func record(_ attentionWeights: Tensor, layer: Int, lengths: [Int], into attentions: inout [[Float]]) {
    let heads = config.headCount
    let length = attentionWeights.shape[2]
    attentionWeights.scalars.withUnsafeBufferPointer { source in
      for (sequence, own) in lengths.enumerated() {
        attentions[sequence].withUnsafeMutableBufferPointer { destination in
          for head in 0..<heads {
            for query in 0..<own {
              let from = ((sequence * heads + head) * length + query) * length
              let to = ((layer * heads + head) * own + query) * own
              for key in 0..<own { destination[to + key] = source[from + key] }
            }
          }
        }
      }
    }
  }

  /// Replaces the context of `heads` in `context` (`[B, H, L, d]`): zero,
  /// or each sequence's mean over its own tokens (padding stays as it is).
  func ablate(_ context: inout Tensor, heads: [Int], mode: HeadAblation.Mode, lengths: [Int]) {
    guard !heads.isEmpty else { return }
    let (headCount, length, headSize) = (context.shape[1], context.shape[2], context.shape[3])
    context.scalars.withUnsafeMutableBufferPointer { context in
      for (sequence, own) in lengths.enumerated() {
        for head in heads {
          let start = (sequence * headCount + head) * length * headSize
          var mean = [Float](repeating: 0, count: headSize)
          if mode == .mean {
            for token in 0..<own {
              for index in 0..<headSize { mean[index] += context[start + token * headSize + index] }
            }
            for index in 0..<headSize { mean[index] /= Float(own) }
          }
          for token in 0..<own {
            for index in 0..<headSize { context[start + token * headSize + index] = mean[index] }
          }
        }
      }
    }
  }

  /// Appends one layer's value vectors, `[B, H, L, d]`, to each sequence's
  /// record, cut to its own length: `[layers, H, Lᵢ, d]` once every layer is in.
  func record(_ values: Tensor, lengths: [Int], into recorded: inout [[Float]]) {
    let (heads, length, headSize) = (values.shape[1], values.shape[2], values.shape[3])
    for (sequence, own) in lengths.enumerated() {
      for head in 0..<heads {
        let from = (sequence * heads + head) * length * headSize
        recorded[sequence].append(contentsOf: values.scalars[from..<from + own * headSize])
      }
    }
  }

  /// Mean pooling over the tokens, then L2 normalisation (with PyTorch's
  /// `F.normalize` floor of 1e-12 on the norm).
  ///
  /// - Parameter hiddenState: `[L, D]`.
  /// - Returns: `[D]`.
  static func sentenceEmbedding(_ hiddenState: Tensor) -> Tensor {
    let (length, width) = (hiddenState.shape[0], hiddenState.shape[1])
    var sums = [Double](repeating: 0, count: width)
    for token in 0..<length {
      for column in 0..<width { sums[column] += Double(hiddenState.scalars[token * width + column]) }
    }
    let means = sums.map { $0 / Double(length) }
    let norm = max(means.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
    return Tensor(shape: [width], scalars: means.map { Float($0 / norm) })
  }
}
