extension LlamaModel {
  /// Loads a Hugging Face folder of model type `llama` or `qwen2`:
  /// `config.json`, `model.safetensors` under transformers' names
  /// (`model.layers.N.self_attn.q_proj.weight`, …), `tokenizer.json` and,
  /// when present, `tokenizer_config.json`'s special tokens and chat
  /// template. The weights are read as Float32 (the exact arithmetic).
  ///
  /// - Throws: `ModelLoadError` naming the file and the key or tensor at fault.
  public convenience init(huggingFaceFolder folder: String) throws(ModelLoadError) {
    let files = try HuggingFaceDecoderFolder(folder)
    let config = try LlamaConfig(huggingFace: files.config)
    let tokenizer = try files.tokenizer(maxLength: config.contextLength)
    try Self.checkVocabulary(tokenizer, of: config, in: files)
    try self.init(
      config: config, weights: files.weights(), names: .huggingFace, tokenizer: tokenizer,
      chatTemplate: files.chatTemplate(), arithmetic: .exact)
  }

  /// The tokenizer of a Hugging Face folder of model type `llama` or
  /// `qwen2`, cutting texts at the model's context.
  static func tokenizer(huggingFaceFolder folder: String) throws(ModelLoadError) -> ByteLevelBPETokenizer {
    let files = try HuggingFaceDecoderFolder(folder)
    let config = try LlamaConfig(huggingFace: files.config)
    let tokenizer = try files.tokenizer(maxLength: config.contextLength)
    try checkVocabulary(tokenizer, of: config, in: files)
    return tokenizer
  }

  /// Refuses a tokenizer with more tokens than the embedding has rows.
  static func checkVocabulary(
    _ tokenizer: ByteLevelBPETokenizer, of config: LlamaConfig, in files: HuggingFaceDecoderFolder
  ) throws(ModelLoadError) {
    guard tokenizer.vocabularySize <= config.vocabularySize else {
      throw ModelLoadError(
        path: files.file("tokenizer.json"),
        reason:
          "\(tokenizer.vocabularySize) tokens, more than the \(config.vocabularySize) of config.json's vocab_size"
      )
    }
  }
}
