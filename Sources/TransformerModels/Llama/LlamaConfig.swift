import TensorIO

/// The sizes of a Llama-family decoder, as a GGUF file's metadata gives them
/// under its architecture's prefix (`llama.block_count`, …) or a Hugging
/// Face `config.json` of model type `llama` or `qwen2`.
///
/// Legend: `D` hidden width, `H` query heads, `K` key/value heads, `d`
/// head width (`D / H`), `F` feed-forward width, `V` vocabulary.
public struct LlamaConfig: Sendable, Equatable {
  /// How the rotary embedding pairs a head's features.
  public enum RotaryLayout: String, Sendable, Equatable {
    /// Features `2i` and `2i + 1` rotate together: GGUF files of the
    /// `llama` architecture store Q and K permuted for this.
    case interleavedPairs
    /// Features `i` and `i + d/2` rotate together: Hugging Face's layout.
    case halves
  }

  /// The architecture as the file names it, e.g. `llama`.
  public var architecture: String
  /// Decoder layers.
  public var layerCount: Int
  /// `D`.
  public var hiddenSize: Int
  /// `F`.
  public var feedForwardSize: Int
  /// `H`.
  public var headCount: Int
  /// `K`; `H` is a multiple of it (grouped-query attention).
  public var keyValueHeadCount: Int
  /// `V`.
  public var vocabularySize: Int
  /// The positions the model was trained on.
  public var contextLength: Int
  /// The rotary embedding's base θ.
  public var ropeBase: Double
  /// RMSNorm's ε.
  public var normEpsilon: Float
  /// The rotary pairing of Q and K features.
  public var rotaryLayout: RotaryLayout
  /// Whether the query, key and value projections add a bias (Qwen2's do).
  public var hasQueryKeyValueBias = false
  /// Whether the attention's output projection adds a bias.
  public var hasOutputBias = false
  /// Whether the output layer is the token embedding, rather than its own matrix.
  public var tiesOutputToEmbedding = false

  /// `d`.
  public var headSize: Int { hiddenSize / headCount }
  /// `H / K`: query heads per key/value head.
  public var groupSize: Int { headCount / keyValueHeadCount }

  var sizes: DecoderSizes {
    DecoderSizes(
      layerCount: layerCount, headCount: headCount, keyValueHeadCount: keyValueHeadCount, headSize: headSize,
      vocabularySize: vocabularySize, contextLength: contextLength)
  }

  /// The architectures read from GGUF files.
  ///
  /// `llama` files store Q and K permuted for interleaved rotary pairs;
  /// `qwen2` files keep Hugging Face's order (llama.cpp rotates their
  /// halves) and add biases to Q, K and V.
  public static let supportedArchitectures = ["llama", "qwen2"]

  /// Reads and checks the sizes in `file`'s metadata.
  ///
  /// - Throws: `ModelLoadError` naming the file and the key at fault.
  public init(gguf file: GGUFFile) throws(ModelLoadError) {
    func fail(_ reason: String) -> ModelLoadError { ModelLoadError(path: file.path, reason: reason) }
    func lookup<T>(_ read: (String) throws(TensorIOError) -> T?, _ key: String) throws(ModelLoadError) -> T? {
      do { return try read(key) } catch { throw fail(error.reason) }
    }
    guard let architecture = try lookup(file.string, "general.architecture") else {
      throw fail("no general.architecture in the metadata")
    }
    guard Self.supportedArchitectures.contains(architecture) else {
      throw fail(
        "architecture \"\(architecture)\" is not run here; we run GGUF files of: "
          + Self.supportedArchitectures.joined(separator: ", "))
    }
    func required(_ name: String, in range: ClosedRange<Int>) throws(ModelLoadError) -> Int {
      let key = "\(architecture).\(name)"
      guard let value = try lookup(file.integer, key) else { throw fail("no \(key) in the metadata") }
      guard range.contains(value) else {
        throw fail("\(key) is \(value), outside \(range.lowerBound)...\(range.upperBound)")
      }
      return value
    }
    self.architecture = architecture
    layerCount = try required("block_count", in: 1...4096)
    hiddenSize = try required("embedding_length", in: 1...1 << 16)
    feedForwardSize = try required("feed_forward_length", in: 1...1 << 18)
    headCount = try required("attention.head_count", in: 1...1024)
    let kvKey = "\(architecture).attention.head_count_kv"
    keyValueHeadCount = try lookup(file.integer, kvKey) ?? headCount
    contextLength = try required("context_length", in: 1...1 << 20)
    guard keyValueHeadCount >= 1, headCount % keyValueHeadCount == 0 else {
      throw fail("\(kvKey) is \(keyValueHeadCount), which does not divide the \(headCount) query heads")
    }
    guard hiddenSize % headCount == 0, (hiddenSize / headCount) % 2 == 0 else {
      throw fail("embedding_length \(hiddenSize) does not split into \(headCount) heads of an even width")
    }
    let ropeKey = "\(architecture).rope.dimension_count"
    if let rotated = try lookup(file.integer, ropeKey), rotated != hiddenSize / headCount {
      throw fail("\(ropeKey) is \(rotated); only rotating whole heads of \(hiddenSize / headCount) is run here")
    }
    if let scaling = try lookup(file.string, "\(architecture).rope.scaling.type"), scaling != "none" {
      throw fail("rope scaling \"\(scaling)\" is not run here")
    }
    ropeBase = try lookup(file.float, "\(architecture).rope.freq_base") ?? 10_000
    guard ropeBase.isFinite, ropeBase > 1 else { throw fail("\(architecture).rope.freq_base is \(ropeBase)") }
    let epsilonKey = "\(architecture).attention.layer_norm_rms_epsilon"
    guard let epsilon = try lookup(file.float, epsilonKey) else { throw fail("no \(epsilonKey) in the metadata") }
    guard epsilon.isFinite, epsilon > 0, epsilon < 1 else { throw fail("\(epsilonKey) is \(epsilon)") }
    normEpsilon = Float(epsilon)
    guard let tokens = try lookup(file.strings, "tokenizer.ggml.tokens") else {
      throw fail("no tokenizer.ggml.tokens in the metadata")
    }
    vocabularySize = try lookup(file.integer, "\(architecture).vocab_size") ?? tokens.count
    guard vocabularySize == tokens.count else {
      throw fail("\(architecture).vocab_size is \(vocabularySize), but tokenizer.ggml.tokens has \(tokens.count)")
    }
    rotaryLayout = architecture == "qwen2" ? .halves : .interleavedPairs
    hasQueryKeyValueBias = architecture == "qwen2"
    tiesOutputToEmbedding = file.tensor(named: "output.weight") == nil
  }
}
