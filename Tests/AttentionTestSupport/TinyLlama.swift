import Foundation
import TransformerModels

/// A tiny Llama-family decoder with random weights, written as a GGUF file:
/// 2 layers, 4 query and 2 key/value heads, hidden 16, a byte-level BPE
/// vocabulary of the 256 bytes, a few merges and ChatML's special tokens,
/// and ChatML as its chat template; every tensor F32.
///
/// Legend: `D` hidden width, `F` feed-forward width, `V` vocabulary.
public struct TinyLlama {
  public var layerCount = 2
  public var hiddenSize = 16
  public var headCount = 4
  public var keyValueHeadCount = 2
  public var feedForwardSize = 24
  public var contextLength = 64
  public var seed: UInt64 = 11
  /// Whether the metadata names `<|im_end|>` as the end of a sequence;
  /// without one a run always writes as many tokens as it is asked for.
  public var hasEndOfSequence = true
  /// Changes a tensor's values, by name, before it is written.
  public var edit: @Sendable (_ name: String, _ values: inout [Float]) -> Void = { _, _ in }

  /// The merges, lowest rank first; each makes the token of its two halves joined.
  public static let merges = ["Ġ t", "h e", "Ġt he", "a t", "Ġ c"]
  /// ChatML's tokens, after the bytes and the merged tokens.
  public static let specialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

  /// ChatML, as Hugging Face's chat templating guide writes it.
  public static let chatTemplate = """
    {% for message in messages %}\
    {{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}\
    {% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    """

  public init() {}

  /// The tokens: the 256 bytes in GPT-2's spelling, the merged tokens, the special tokens.
  public static var tokens: [String] {
    byteSpellings + merges.map { $0.replacingOccurrences(of: " ", with: "") } + specialTokens
  }

  /// `V`.
  public var vocabularySize: Int { Self.tokens.count }

  /// Writes the model to a new file in the temporary folder, named `name`.gguf.
  ///
  /// - Returns: its path.
  public func writeFile(name: String = "tiny-llama") throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("llama-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name + ".gguf").path
    try write(to: path)
    return path
  }

  /// Writes the model to `path`.
  public func write(to path: String) throws {
    var random = BertTestRandom(seed: seed)
    func weights(_ count: Int, deviation: Double) -> [Float] {
      (0..<count).map { _ in Float(random.normal(deviation: deviation)) }
    }
    let width = hiddenSize
    let keyValueWidth = keyValueHeadCount * (hiddenSize / headCount)
    var file = GGUFWriter()
    func tensor(_ name: String, shape: [Int], _ scalars: [Float]) {
      var values = scalars
      edit(name, &values)
      file.tensor(name, shape: shape, values)
    }
    file.metadata("general.architecture", .string("llama"))
    file.metadata("llama.block_count", .uint32(layerCount))
    file.metadata("llama.embedding_length", .uint32(width))
    file.metadata("llama.feed_forward_length", .uint32(feedForwardSize))
    file.metadata("llama.attention.head_count", .uint32(headCount))
    file.metadata("llama.attention.head_count_kv", .uint32(keyValueHeadCount))
    file.metadata("llama.context_length", .uint32(contextLength))
    file.metadata("llama.rope.freq_base", .float32(10_000))
    file.metadata("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))
    let tokens = Self.tokens
    let special = Set(Self.specialTokens)
    file.metadata("tokenizer.ggml.model", .string("gpt2"))
    file.metadata("tokenizer.ggml.pre", .string("smollm"))
    file.metadata("tokenizer.ggml.tokens", .strings(tokens))
    file.metadata("tokenizer.ggml.token_type", .int32s(tokens.map { special.contains($0) ? 3 : 1 }))
    file.metadata("tokenizer.ggml.merges", .strings(Self.merges))
    file.metadata("tokenizer.ggml.bos_token_id", .uint32(tokens.firstIndex(of: "<|im_start|>")!))
    if hasEndOfSequence {
      file.metadata("tokenizer.ggml.eos_token_id", .uint32(tokens.firstIndex(of: "<|im_end|>")!))
    }
    file.metadata("tokenizer.chat_template", .string(Self.chatTemplate))
    tensor(
      "token_embd.weight", shape: [tokens.count, width], weights(tokens.count * width, deviation: 1))
    for layer in 0..<layerCount {
      let prefix = "blk.\(layer)."
      tensor(prefix + "attn_norm.weight", shape: [width], weights(width, deviation: 0.2).map { 1 + $0 })
      tensor(prefix + "attn_q.weight", shape: [width, width], weights(width * width, deviation: 0.6))
      tensor(
        prefix + "attn_k.weight", shape: [keyValueWidth, width],
        weights(keyValueWidth * width, deviation: 0.6))
      tensor(
        prefix + "attn_v.weight", shape: [keyValueWidth, width],
        weights(keyValueWidth * width, deviation: 0.3))
      tensor(
        prefix + "attn_output.weight", shape: [width, width], weights(width * width, deviation: 0.3))
      tensor(prefix + "ffn_norm.weight", shape: [width], weights(width, deviation: 0.2).map { 1 + $0 })
      tensor(
        prefix + "ffn_gate.weight", shape: [feedForwardSize, width],
        weights(feedForwardSize * width, deviation: 0.3))
      tensor(
        prefix + "ffn_up.weight", shape: [feedForwardSize, width],
        weights(feedForwardSize * width, deviation: 0.3))
      tensor(
        prefix + "ffn_down.weight", shape: [width, feedForwardSize],
        weights(feedForwardSize * width, deviation: 0.3))
    }
    tensor("output_norm.weight", shape: [width], weights(width, deviation: 0.2).map { 1 + $0 })
    try Data(file.bytes()).write(to: URL(fileURLWithPath: path))
  }

  /// GPT-2's printable spelling of each byte (`bytes_to_unicode`).
  static let byteSpellings: [String] = {
    var next: UInt32 = 256
    return (0..<256).map { byte in
      let printable =
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
      if printable { return String(Unicode.Scalar(UInt8(byte))) }
      defer { next += 1 }
      return String(Unicode.Scalar(next)!)
    }
  }()
}

/// Writes a GGUF v3 file: metadata, F32 tensors, 32-byte alignment.
public struct GGUFWriter {
  /// A metadata value of the few types the tiny models need.
  public enum Value {
    case uint32(Int)
    case float32(Float)
    case string(String)
    case strings([String])
    case int32s([Int])
  }

  private var entries: [(key: String, value: Value)] = []
  /// Each tensor's name, shape (row-major, as `Tensor` takes it) and scalars.
  private var tensors: [(name: String, shape: [Int], scalars: [Float])] = []
  private static let alignment = 32

  public init() {}

  public mutating func metadata(_ key: String, _ value: Value) {
    entries.append((key, value))
  }

  /// - Precondition: `scalars.count` is the product of `shape`.
  public mutating func tensor(_ name: String, shape: [Int], _ scalars: [Float]) {
    precondition(shape.reduce(1, *) == scalars.count, "\(name): \(scalars.count) scalars for \(shape)")
    tensors.append((name, shape, scalars))
  }

  /// The whole file.
  public func bytes() -> [UInt8] {
    var out: [UInt8] = Array("GGUF".utf8)
    func integer<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
    func string(_ text: String) {
      integer(UInt64(text.utf8.count))
      out += text.utf8
    }
    func pad() {
      out += [UInt8](repeating: 0, count: (Self.alignment - out.count % Self.alignment) % Self.alignment)
    }
    integer(UInt32(3))
    integer(UInt64(tensors.count))
    integer(UInt64(entries.count))
    for (key, value) in entries {
      string(key)
      switch value {
      case .uint32(let number):
        integer(UInt32(4))
        integer(UInt32(number))
      case .float32(let number):
        integer(UInt32(6))
        integer(number.bitPattern)
      case .string(let text):
        integer(UInt32(8))
        string(text)
      case .strings(let texts):
        integer(UInt32(9))
        integer(UInt32(8))
        integer(UInt64(texts.count))
        texts.forEach(string)
      case .int32s(let numbers):
        integer(UInt32(9))
        integer(UInt32(5))
        integer(UInt64(numbers.count))
        numbers.forEach { integer(Int32($0)) }
      }
    }
    var offset = 0
    for tensor in tensors {
      string(tensor.name)
      integer(UInt32(tensor.shape.count))
      // GGUF lists dimensions innermost first.
      for length in tensor.shape.reversed() { integer(UInt64(length)) }
      integer(UInt32(0))  // F32
      integer(UInt64(offset))
      let size = tensor.scalars.count * 4
      offset += size + (Self.alignment - size % Self.alignment) % Self.alignment
    }
    pad()
    for tensor in tensors {
      for scalar in tensor.scalars { integer(scalar.bitPattern) }
      pad()
    }
    return out
  }
}
