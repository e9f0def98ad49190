import Foundation
import TensorIO

extension ByteLevelBPETokenizer: TextDecodingTokenizer {
  public var endOfSequenceID: Int? { eosID }
}

extension ByteLevelBPETokenizer {
  /// The tokenizer a GGUF file's metadata describes: `tokenizer.ggml.model`
  /// `gpt2` with its tokens, merges, token types and the pre-tokenizer
  /// `tokenizer.ggml.pre` names.
  ///
  /// - Throws: `ModelLoadError` naming the file and the key at fault.
  public init(gguf file: GGUFFile) throws(ModelLoadError) {
    func fail(_ reason: String) -> ModelLoadError { ModelLoadError(path: file.path, reason: reason) }
    func lookup<T>(_ read: (String) throws(TensorIOError) -> T?, _ key: String) throws(ModelLoadError) -> T? {
      do { return try read(key) } catch { throw fail(error.reason) }
    }
    let model = try lookup(file.string, "tokenizer.ggml.model")
    guard model == "gpt2" else {
      throw fail("tokenizer.ggml.model \(model.map { "\"\($0)\"" } ?? "missing"); only byte-level BPE (gpt2) is read here")
    }
    guard let tokens = try lookup(file.strings, "tokenizer.ggml.tokens") else { throw fail("no tokenizer.ggml.tokens") }
    guard let merges = try lookup(file.strings, "tokenizer.ggml.merges") else { throw fail("no tokenizer.ggml.merges") }
    let architecture = try lookup(file.string, "general.architecture") ?? ""
    let context = try lookup(file.integer, "\(architecture).context_length") ?? Int.max
    let vocabulary = ByteLevelBPEVocabulary(
      tokens: tokens, merges: merges, tokenTypes: try lookup(file.integers, "tokenizer.ggml.token_type"),
      preTokenizer: try lookup(file.string, "tokenizer.ggml.pre") ?? "default",
      bosID: try lookup(file.integer, "tokenizer.ggml.bos_token_id"),
      eosID: try lookup(file.integer, "tokenizer.ggml.eos_token_id"),
      unknownID: try lookup(file.integer, "tokenizer.ggml.unknown_token_id"),
      paddingID: try lookup(file.integer, "tokenizer.ggml.padding_token_id"),
      addBOS: try lookup(file.bool, "tokenizer.ggml.add_bos_token") ?? false, maxLength: context)
    do { try self.init(vocabulary: vocabulary, source: file.path) } catch {
      throw ModelLoadError(path: file.path, reason: error.reason)
    }
  }
}

extension LlamaModel {
  /// Loads the model and its tokenizer from one GGUF file, or from a
  /// Hugging Face folder of model type `llama` or `qwen2` (see
  /// `init(huggingFaceFolder:)`).
  public convenience init(contentsOf path: String, arithmetic: Arithmetic = .quantized) throws(ModelLoadError) {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
      try self.init(huggingFaceFolder: path)
      return
    }
    let file: GGUFFile
    do { file = try GGUFFile(contentsOf: path) } catch { throw ModelLoadError(path: path, reason: error.reason) }
    try self.init(file: file, tokenizer: ByteLevelBPETokenizer(gguf: file), arithmetic: arithmetic)
  }
}
