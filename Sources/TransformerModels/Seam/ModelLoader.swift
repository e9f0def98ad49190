import Foundation
import TensorIO

/// The one place that looks at a model's files and says which family reads
/// them.
///
/// A Hugging Face folder is recognised by its `config.json`'s `model_type`;
/// a single file by its first bytes: a GGUF file by its magic, then its
/// `general.architecture`. Whatever cannot be loaded is refused with one
/// `ModelLoadError` that names the file and the reason.
public enum ModelLoader {
  /// The `model_type`s of the families that load, in the order messages list them.
  public static let supportedModelTypes = ["bert", "llama", "qwen2", "gpt2"]

  /// Loads the model at `path`: its tokenizer and its weights.
  ///
  /// - Parameter path: a Hugging Face model folder or a GGUF file.
  /// - Throws: `ModelLoadError` for a path that does not exist, a file or
  ///   folder of a kind no family reads, or files a family refuses.
  public static func load(contentsOf path: String) throws(ModelLoadError) -> any AttentionModel {
    switch try recognize(path) {
    case .huggingFace(modelType: "bert"), .wordPieceVocabulary:
      do {
        return try BertModel(contentsOf: path)
      } catch {
        throw ModelLoadError(path: error.path ?? path, reason: error.reason)
      }
    case .huggingFace(modelType: "llama"), .huggingFace(modelType: "qwen2"):
      return try LlamaModel(huggingFaceFolder: path)
    case .huggingFace(modelType: "gpt2"):
      return try GPT2Model(huggingFaceFolder: path)
    case .huggingFace(let modelType):
      throw unsupported(modelType, path: path)
    case .gguf:
      return try LlamaModel(contentsOf: path)
    }
  }

  /// Loads only the tokenizer at `path`: a folder with a `config.json` of a
  /// family that loads, a BERT folder with just `vocab.txt`, or a GGUF file.
  ///
  /// - Throws: `ModelLoadError` naming the file at fault.
  public static func loadTokenizer(contentsOf path: String) throws(ModelLoadError) -> any TextTokenizer {
    switch try recognize(path) {
    case .huggingFace(modelType: "bert"), .wordPieceVocabulary:
      do {
        return try WordPieceTokenizer(contentsOf: path)
      } catch {
        throw ModelLoadError(path: error.path ?? path, reason: error.reason)
      }
    case .huggingFace(modelType: "llama"), .huggingFace(modelType: "qwen2"):
      return try LlamaModel.tokenizer(huggingFaceFolder: path)
    case .huggingFace(modelType: "gpt2"):
      return try GPT2Model.tokenizer(huggingFaceFolder: path)
    case .huggingFace(let modelType):
      throw unsupported(modelType, path: path)
    case .gguf:
      do {
        return try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: path))
      } catch let error as ModelLoadError {
        throw error
      } catch {
        throw ModelLoadError(path: path, reason: (error as? TensorIOError)?.reason ?? "\(error)")
      }
    }
  }

  /// What a path holds, as far as the loader can tell before a family reads it.
  enum Contents: Equatable {
    /// A folder with a `config.json` naming its `model_type`.
    case huggingFace(modelType: String)
    /// A folder without `config.json`: a WordPiece vocabulary, if anything.
    case wordPieceVocabulary
    /// A file that starts with GGUF's magic.
    case gguf
  }

  static func recognize(_ path: String) throws(ModelLoadError) -> Contents {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
      throw ModelLoadError(path: path, reason: "no such file or folder")
    }
    guard isFolder.boolValue else {
      if isGGUF(path) { return .gguf }
      throw ModelLoadError(
        path: path, reason: "not a model folder (a Hugging Face folder with config.json) or GGUF file")
    }
    let configPath = (path as NSString).appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: configPath) else { return .wordPieceVocabulary }
    return .huggingFace(modelType: try modelType(configPath))
  }

  /// The `model_type` of a `config.json`, read with the size cap every
  /// config has.
  private static func modelType(_ configPath: String) throws(ModelLoadError) -> String {
    let handle = FileHandle(forReadingAtPath: configPath)
    defer { try? handle?.close() }
    guard let handle else { throw ModelLoadError(path: configPath, reason: "could not be read") }
    let limit = BertConfig.maximumFileSize
    let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
    guard data.count <= limit else {
      throw ModelLoadError(path: configPath, reason: "more than \(limit) bytes, too large for a config")
    }
    guard let parsed = try? JSONSerialization.jsonObject(with: data) else {
      throw ModelLoadError(path: configPath, reason: "not valid JSON")
    }
    guard let fields = parsed as? [String: Any] else {
      throw ModelLoadError(path: configPath, reason: "not a JSON object")
    }
    let supported = supportedModelTypes.joined(separator: ", ")
    guard let value = fields["model_type"] else {
      throw ModelLoadError(path: configPath, reason: "no \"model_type\"; we run: \(supported)")
    }
    guard let modelType = value as? String else {
      throw ModelLoadError(
        path: configPath, reason: "model_type \(value) is not run here; we run: \(supported)")
    }
    return modelType
  }

  private static func unsupported(_ modelType: String, path: String) -> ModelLoadError {
    ModelLoadError(
      path: (path as NSString).appendingPathComponent("config.json"),
      reason:
        "model_type \"\(modelType)\" is not run here; we run: \(supportedModelTypes.joined(separator: ", "))")
  }

  /// Whether the file at `path` starts with GGUF's magic.
  private static func isGGUF(_ path: String) -> Bool {
    let handle = FileHandle(forReadingAtPath: path)
    defer { try? handle?.close() }
    let magic = (try? handle?.read(upToCount: 4)) ?? nil
    return magic == Data("GGUF".utf8)
  }
}
