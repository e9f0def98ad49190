import Foundation
import TransformerModels

/// A model a server holds, under the short name requests choose it by.
public struct ServedModel: Sendable {
  /// What a request's `"model"` says to choose it, e.g. `all-MiniLM-L6-v2`.
  public let name: String
  public let model: any AttentionModel

  public init(name: String, model: any AttentionModel) {
    self.name = name
    self.model = model
  }

  /// The model as one that writes, if it is one.
  var generative: (any GenerativeModel)? { model as? any GenerativeModel }

  /// Short names for the models at `paths`: each file's or folder's name
  /// without a `.gguf` extension, a name that repeats followed by `-2`, `-3`, ….
  public static func names(forPaths paths: [String]) -> [String] {
    var taken: Set<String> = []
    return paths.map { path in
      var base = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
      if base.lowercased().hasSuffix(".gguf") { base = String(base.dropLast(5)) }
      if base.isEmpty { base = "model" }
      var name = base
      var number = 2
      while taken.contains(name) {
        name = "\(base)-\(number)"
        number += 1
      }
      taken.insert(name)
      return name
    }
  }
}
