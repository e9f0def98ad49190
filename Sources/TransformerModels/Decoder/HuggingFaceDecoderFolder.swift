import Foundation
import TensorIO

/// The files of a Hugging Face decoder folder: `config.json`,
/// `model.safetensors`, and the tokenizer's `tokenizer.json` with
/// `tokenizer_config.json` (its special tokens and `chat_template`) or
/// `chat_template.jinja` beside it.
struct HuggingFaceDecoderFolder {
  let folder: String
  let config: HuggingFaceConfig

  /// Checks that `folder` is a folder and reads its `config.json`.
  init(_ folder: String) throws(ModelLoadError) {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
      throw ModelLoadError(path: folder, reason: "no such folder")
    }
    guard isFolder.boolValue else { throw ModelLoadError(path: folder, reason: "not a folder") }
    self.folder = folder
    let configPath = (folder as NSString).appendingPathComponent("config.json")
    guard FileManager.default.fileExists(atPath: configPath) else {
      throw ModelLoadError(path: folder, reason: "no config.json in the model folder")
    }
    config = try HuggingFaceConfig(contentsOf: configPath)
  }

  /// The path of `name` in the folder.
  func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

  /// `model.safetensors`, mapped.
  func weights() throws(ModelLoadError) -> DecoderWeights {
    let path = file("model.safetensors")
    guard FileManager.default.fileExists(atPath: path) else {
      let sharded = FileManager.default.fileExists(atPath: file("model.safetensors.index.json"))
      let pickle = FileManager.default.fileExists(atPath: file("pytorch_model.bin"))
      throw ModelLoadError(
        path: folder,
        reason: "no model.safetensors in the model folder"
          + (sharded ? " (weights split over several files are not read)" : "")
          + (pickle ? " (pytorch_model.bin is not read; save the model with safetensors)" : ""))
    }
    do { return .safetensors(try SafetensorsFile(contentsOf: path)) } catch {
      throw ModelLoadError(path: error.path, reason: error.reason)
    }
  }

  /// The byte-level BPE tokenizer of `tokenizer.json`, cutting texts at `maxLength` tokens.
  func tokenizer(maxLength: Int) throws(ModelLoadError) -> ByteLevelBPETokenizer {
    let path = file("tokenizer.json")
    guard FileManager.default.fileExists(atPath: path) else {
      throw ModelLoadError(path: folder, reason: "no tokenizer.json in the model folder")
    }
    do { return try ByteLevelBPETokenizer(tokenizerJSON: path, maxLength: maxLength) } catch {
      throw ModelLoadError(path: error.path ?? path, reason: error.reason)
    }
  }

  /// The chat template: `tokenizer_config.json`'s `chat_template`, else
  /// `chat_template.jinja`, else none (then `--chat` is refused when asked for).
  func chatTemplate() throws(ModelLoadError) -> ChatTemplateSource {
    let configPath = file("tokenizer_config.json")
    if FileManager.default.fileExists(atPath: configPath) {
      let fields: [String: Any]
      do {
        fields = try readJSONObject(
          configPath, limit: ByteLevelBPETokenizer.maximumTokenizerConfigSize, kind: "tokenizer_config.json")
      } catch {
        throw ModelLoadError(path: error.path ?? configPath, reason: error.reason)
      }
      if let value = fields["chat_template"], !(value is NSNull) {
        guard let template = value as? String else {
          throw ModelLoadError(
            path: configPath, reason: "chat_template is \(HuggingFaceConfig.show(value)), not one template")
        }
        return ChatTemplateSource(template: template, path: configPath, key: "chat_template")
      }
    }
    let jinjaPath = file("chat_template.jinja")
    if FileManager.default.fileExists(atPath: jinjaPath) {
      let handle = FileHandle(forReadingAtPath: jinjaPath)
      defer { try? handle?.close() }
      let limit = ByteLevelBPETokenizer.maximumTokenizerConfigSize
      guard let data = try? handle?.read(upToCount: limit + 1),
        let template = String(data: data, encoding: .utf8)
      else { throw ModelLoadError(path: jinjaPath, reason: "could not be read as UTF-8") }
      guard data.count <= limit else {
        throw ModelLoadError(
          path: jinjaPath, reason: "more than \(limit) bytes, too large for a chat template")
      }
      return ChatTemplateSource(template: template, path: jinjaPath, key: "template")
    }
    return ChatTemplateSource(template: nil, path: configPath, key: "chat_template")
  }
}

/// A decoder's chat template as its files hold it, applied when a prompt
/// asks for it (so that a model without one, or with one not run here,
/// still loads and writes plain text).
struct ChatTemplateSource: Sendable {
  /// The Jinja text, nil when the model has none.
  let template: String?
  /// The file it is read from; errors name it.
  let path: String
  /// The key or file that holds it, for messages.
  let key: String

  /// `user` as a user's message after `system`, ready for the assistant's answer.
  func prompt(user: String, system: String?) throws(ModelLoadError) -> String {
    guard let template else {
      throw ModelLoadError(path: path, reason: "no \(key), so --chat cannot be applied")
    }
    let chat: ChatTemplate
    do { chat = try ChatTemplate(template: template, source: path) } catch {
      throw ModelLoadError(path: path, reason: error.reason)
    }
    var messages: [ChatMessage] = []
    if let system { messages.append(ChatMessage(role: "system", content: system)) }
    messages.append(ChatMessage(role: "user", content: user))
    return chat.render(messages, addGenerationPrompt: true)
  }
}
