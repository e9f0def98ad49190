import AttentionCore
import Foundation

/// Which logits a pass computes: the output layer is the largest matrix,
/// and a prompt needs it only for its last token.
enum LogitRows { case none, last, all }

/// What a decoder family provides so that the one generation loop, the
/// attention of a prompt and teacher-forced logits work for it: its sizes,
/// its tokenizer and one forward pass over new tokens.
///
/// Legend: `N` layers, `H` query heads, `T` new tokens, `L` tokens, `V` vocabulary.
protocol CausalDecoder: GenerativeModel {
  var sizes: DecoderSizes { get }
  var decodingTokenizer: any TextDecodingTokenizer { get }
  /// Each layer's attention output projection, `[D, H·d]`.
  var attentionOutputs: [DecoderMatrix] { get }

  /// Reads `ids` at the positions after what `state` holds, appends their
  /// keys and values to it (and their attention rows, when it records),
  /// and returns the logits asked for: `[V]` for `.last`, `[T, V]` for
  /// `.all`, empty for `.none`.
  func run(_ ids: [Int], state: inout DecoderState, logits rows: LogitRows) -> [Float]
}

extension CausalDecoder {
  /// The attention of every layer and head over the prompt: `[N, H, L, L]`,
  /// causal, and the heads' values when `options` ask for them.
  func decoderRun(_ encoding: Encoding, options: RunOptions) throws -> ModelRun {
    try checkPrompt(encoding.ids)
    try checkRecording(encoding.ids.count)
    var state = DecoderState(sizes: sizes, capacity: encoding.ids.count, recordsAttention: true)
    try ablate(options.ablation, in: &state)
    let logits = run(encoding.ids, state: &state, logits: options.recordsOutputs ? .last : .none)
    return ModelRun(
      attention: ModelAttention(tokens: encoding.tokens, attentions: state.recordedAttention(), kind: .causal),
      values: options.recordsValues ? headValues(state) : nil,
      nextTokenLogits: options.recordsOutputs ? Tensor(shape: [logits.count], scalars: logits) : nil)
  }

  /// The prompt read once, each layer keeping a record per key/value head
  /// (its query heads stacked as rows), not the `[N, H, L, L]` weights.
  func decoderRecord(_ encoding: Encoding) throws -> AttentionRecording {
    try checkPrompt(encoding.ids)
    var state = DecoderState(
      sizes: sizes, capacity: encoding.ids.count, recordsAttention: false, keepsRecords: true)
    _ = run(encoding.ids, state: &state, logits: .none)
    return try state.recording(tokens: encoding.tokens, sizes: sizes)
  }

  /// What `decoderRecord` keeps per layer: every query head's queries, every
  /// key/value head's keys, and 12 bytes a query row (maximum, 1 / sum, key limit).
  func decoderRecordingByteCount(tokens: Int) -> Int {
    sizes.layerCount * tokens
      * (4 * sizes.headSize * (sizes.headCount + sizes.keyValueHeadCount) + 12 * sizes.headCount)
  }

  /// Switches off `ablation`'s heads for the passes over `state`.
  func ablate(_ ablation: HeadAblation?, in state: inout DecoderState) throws {
    guard let ablation else { return }
    try ablation.check(layerCount: sizes.layerCount, headCount: sizes.headCount)
    guard ablation.mode == .zero else {
      throw DecoderError("a decoder ablates heads by zeroing them: a mean over tokens is not known while it writes")
    }
    for layer in 0..<sizes.layerCount { state.ablatedHeads[layer] = ablation.heads(of: layer) }
  }

  /// The cached values of what `state` has read, and every layer's output projection.
  func headValues(_ state: DecoderState) -> HeadValues {
    let outputs = attentionOutputs.map { $0.weights() }
    let (width, queryWidth) = (outputs[0].shape[0], outputs[0].shape[1])
    return HeadValues(
      values: state.cachedValues(keyValueHeads: sizes.keyValueHeadCount, headSize: sizes.headSize),
      outputWeights: Tensor(shape: [outputs.count, width, queryWidth], scalars: outputs.flatMap(\.scalars)))
  }

  /// The logits after every token of `ids`, read from the start: `[L, V]`.
  func decoderLogits(forTokens ids: [Int]) throws -> Tensor {
    try checkPrompt(ids)
    var state = DecoderState(sizes: sizes, capacity: ids.count, recordsAttention: false)
    let rows = run(ids, state: &state, logits: .all)
    return Tensor(shape: [ids.count, sizes.vocabularySize], scalars: rows)
  }

  /// The generation loop: reads the prompt, then chooses, streams and reads
  /// one token at a time until `options` or the context stop it.
  func decoderGenerate(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> GenerationRun {
    let capacity = try generationCapacity(prompt: prompt, options: options)
    try checkRecording(capacity)
    var state = DecoderState(sizes: sizes, capacity: capacity, recordsAttention: true)
    let written = try write(prompt: prompt, options: options, state: &state, onToken: onToken)
    let attention = ModelAttention(tokens: written.labels, attentions: state.recordedAttention(), kind: .causal)
    var run = GenerationRun(
      attention: attention, promptTokenCount: prompt.ids.count, generatedIds: written.ids, text: written.text,
      stop: written.stop)
    if options.recordsValues { run.values = headValues(state) }
    return run
  }

  /// `decoderGenerate` keeping attention records (`O(L·d)` a layer), not
  /// the `[N, H, L, L]` weights: for long prompts. Each written token is
  /// read by the flash kernel, as the prompt is, so that its row is kept
  /// as a record row too.
  func decoderGenerateRecorded(
    prompt: Encoding, options: GenerationOptions, onToken: (GeneratedToken) throws -> Void
  ) throws -> RecordedGeneration {
    guard !options.recordsValues else {
      throw DecoderError("a run that keeps attention records keeps no values: the value-norm lens needs every weight")
    }
    let capacity = try generationCapacity(prompt: prompt, options: options)
    var state = DecoderState(sizes: sizes, capacity: capacity, recordsAttention: false, keepsRecords: true)
    let written = try write(prompt: prompt, options: options, state: &state, onToken: onToken)
    return RecordedGeneration(
      recording: try state.recording(tokens: written.labels, sizes: sizes), promptTokenCount: prompt.ids.count,
      generatedIds: written.ids, text: written.text, stop: written.stop)
  }

  /// The tokens a run of `prompt` and `options` reads at most.
  private func generationCapacity(prompt: Encoding, options: GenerationOptions) throws -> Int {
    try checkPrompt(prompt.ids)
    guard options.maxTokens >= 0 else { throw DecoderError("max tokens is \(options.maxTokens)") }
    return min(sizes.contextLength, prompt.ids.count + options.maxTokens)
  }

  /// Reads the prompt into `state`, then writes: chooses, streams and reads
  /// one token at a time until `options` or the context stop it.
  private func write(
    prompt: Encoding, options: GenerationOptions, state: inout DecoderState,
    onToken: (GeneratedToken) throws -> Void
  ) throws -> (ids: [Int], labels: [String], text: String, stop: GenerationStop) {
    let contextLength = sizes.contextLength
    let tokenizer = decodingTokenizer
    try ablate(options.ablation, in: &state)
    var sampler = TokenSampler(options: options)
    var logits = run(prompt.ids, state: &state, logits: .last)
    var generated: [Int] = []
    var labels = prompt.tokens
    var text = ""
    var stop = GenerationStop.maxTokens
    let endOfSequence = options.stopAtEndOfSequence ? tokenizer.endOfSequenceID : nil
    while generated.count < options.maxTokens {
      guard state.length < contextLength else {
        stop = .contextFull
        break
      }
      let id = sampler.choose(from: logits)
      generated.append(id)
      labels.append(tokenizer.label(for: id))
      let ends = id == endOfSequence
      // The token that ends the run adds no text.
      let decoded = tokenizer.decode(ends ? Array(generated.dropLast()) : generated)
      // A character whose bytes are not all written yet decodes as U+FFFD;
      // its text waits for the token that completes it.
      let settled = decoded.hasSuffix("\u{FFFD}") ? String(decoded.dropLast()) : decoded
      let addition = settled.hasPrefix(text) ? String(settled.dropFirst(text.count)) : ""
      if settled.hasPrefix(text) { text = settled }
      try onToken(
        GeneratedToken(
          id: id, label: labels.last!, text: addition, index: generated.count - 1,
          attention: state.lastRecordedRow()))
      let last = ends || generated.count == options.maxTokens || state.length + 1 >= contextLength
      // Every written token is read once more, so that its own row of
      // attention is recorded; the logits are needed only to write another.
      logits = run([id], state: &state, logits: last ? .none : .last)
      if ends {
        stop = .endOfSequence
        break
      }
    }
    if stop == .maxTokens, generated.count < options.maxTokens { stop = .contextFull }
    let final = tokenizer.decode(stop == .endOfSequence ? Array(generated.dropLast()) : generated)
    return (generated, labels, final, stop)
  }

  /// Refuses a run whose recorded attention, `N · H · L²` float32 for `L`
  /// tokens, would take more than `budget` bytes (by default half the
  /// machine's memory), before anything is allocated: SmolLM2's 30 × 9
  /// heads at its 8,192 positions would need 72 GB.
  func checkRecording(_ tokens: Int, budget: Double = Double(ProcessInfo.processInfo.physicalMemory) / 2)
    throws(DecoderError)
  {
    let perPosition = Double(sizes.layerCount * sizes.headCount * MemoryLayout<Float>.size)
    let bytes = perPosition * Double(tokens) * Double(tokens)
    guard bytes > budget else { return }
    let fitting = Int((budget / perPosition).squareRoot())
    throw DecoderError(
      "recording the attention of \(tokens) tokens (\(sizes.layerCount) layers × \(sizes.headCount) heads × "
        + "\(tokens)²) takes \(String(format: "%.1f", bytes / 1e9)) GB, more than the \(String(format: "%.1f", budget / 1e9)) GB "
        + "allowed; at most \(fitting) tokens, prompt and written ones together, are recorded here")
  }

  func checkPrompt(_ ids: [Int]) throws(DecoderError) {
    guard !ids.isEmpty else { throw DecoderError("no tokens to read") }
    guard ids.count <= sizes.contextLength else {
      throw DecoderError("\(ids.count) tokens, but the model reads at most \(sizes.contextLength)")
    }
    if let position = ids.firstIndex(where: { $0 < 0 || $0 >= sizes.vocabularySize }) {
      throw DecoderError(
        "id \(ids[position]) at token \(position) is outside the vocabulary 0..<\(sizes.vocabularySize)")
    }
  }
}

/// The name this error had when the Llama family was the only decoder.
public typealias LlamaModelError = DecoderError

/// An input a decoder cannot read, or options it cannot follow.
public struct DecoderError: Error, CustomStringConvertible, Equatable, Sendable {
  /// What is wrong.
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }
}

/// The logits of a pass: the final norm and the output layer, `[V, D]`,
/// on the rows asked for of `hidden`, `[T, D]`; `[V]` for `.last`, `[T, V]`
/// for `.all`, empty for `.none`.
///
/// - Parameter normalize: the family's final norm, from `input` of `rows`
///   rows into `output`.
func outputLogits(
  _ hidden: [Float], count: Int, width: Int, rows: LogitRows, through output: DecoderMatrix,
  normalize: (_ input: [Float], _ rows: Int, _ output: inout [Float]) -> Void
) -> [Float] {
  let first: Int
  switch rows {
  case .none: return []
  case .last: first = count - 1
  case .all: first = 0
  }
  let outputRows = count - first
  var finalInput = [Float](repeating: 0, count: outputRows * width)
  normalize(Array(hidden[(first * width)...]), outputRows, &finalInput)
  var logits = [Float](repeating: .nan, count: outputRows * output.outputs)
  finalInput.withUnsafeBufferPointer { input in
    logits.withUnsafeMutableBufferPointer {
      output.multiply(input.baseAddress!, rows: outputRows, into: $0.baseAddress!)
    }
  }
  return logits
}
