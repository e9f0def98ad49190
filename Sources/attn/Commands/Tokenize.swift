import ArgumentParser
import Foundation
import TransformerModels

struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Split a text into a model's tokens.",
    discussion: """
      MODEL is a model folder; for BERT one with vocab.txt (tokenizer_config.json \
      and config.json are read if present); left out, the fetched \
      all-MiniLM-L6-v2. Prints one line of JSON: \
      {"tokens":[..],"ids":[..],"type_ids":[..]}, as Hugging Face's tokenizer \
      encodes the text with truncation=True. A text longer than the model \
      reads is cut to it, with a warning. A TEXT that starts with a dash goes \
      after --, a pair as --pair=TEXT.
      """
  )

  @Argument(help: "The model folder, then the text; with one argument, the text for the default model.")
  var arguments: [String]

  @Option(help: "A second text, encoded after the first with type id 1.")
  var pair: String?

  @Flag(help: "Fail instead of cutting a text that is too long for the model.")
  var noTruncate = false

  func validate() throws {
    guard (1...2).contains(arguments.count) else {
      throw ValidationError(
        arguments.isEmpty
          ? "give the TEXT to tokenize" : "give MODEL and TEXT, not \(arguments.count) arguments")
    }
    if arguments.count == 1, isModelPath(arguments[0]) {
      throw ValidationError("give the TEXT after the model \(arguments[0])")
    }
  }

  func run() throws {
    let (folder, text) =
      arguments.count == 2 ? (arguments[0], arguments[1]) : (defaultModelFolder(), arguments[0])
    let tokenizer = try ModelLoader.loadTokenizer(contentsOf: folder)
    let encoding = try tokenizer.encode(text, pair: pair)
    if encoding.truncated {
      let subject = pair == nil ? "text has" : "text and pair have"
      let maxLength = tokenizer.maxLength
      if noTruncate {
        throw CommandError(
          "\(folder): \(subject) \(encoding.untruncatedLength) tokens, more than the model's \(maxLength)")
      }
      warn(
        "\(subject) \(encoding.untruncatedLength) tokens; truncated to \(maxLength) (--no-truncate to refuse)"
      )
    }
    print(encoding.json)
  }
}
