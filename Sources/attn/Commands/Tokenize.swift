import ArgumentParser
import Foundation
import TransformerModels

struct Tokenize: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Split a text into the word pieces of a BERT model.",
    discussion: """
      MODEL_DIR is a Hugging Face BERT folder with vocab.txt (tokenizer_config.json \
      and config.json are read if present). Prints one line of JSON: \
      {"tokens":[..],"ids":[..],"type_ids":[..]}, as Hugging Face's BertTokenizer \
      encodes the text with truncation=True. A text longer than the model's \
      max_position_embeddings is cut to it, with a warning. A TEXT that starts \
      with a dash goes after --, a pair as --pair=TEXT.
      """
  )

  @Argument(help: "The model folder, holding vocab.txt.")
  var modelDir: String

  @Argument(help: "The text to tokenize.")
  var text: String

  @Option(help: "A second text, encoded after the first with type id 1.")
  var pair: String?

  @Flag(help: "Fail instead of cutting a text that is too long for the model.")
  var noTruncate = false

  func run() throws {
    let tokenizer = try WordPieceTokenizer(folder: modelDir)
    let encoding = try tokenizer.encode(text, pair: pair)
    if encoding.truncated {
      let subject = pair == nil ? "text has" : "text and pair have"
      let maxLength = tokenizer.options.maxLength
      if noTruncate {
        throw CommandError(
          "\(modelDir): \(subject) \(encoding.untruncatedLength) tokens, more than the model's \(maxLength)")
      }
      FileHandle.standardError.write(
        Data(
          "warning: \(subject) \(encoding.untruncatedLength) tokens; truncated to \(maxLength) (--no-truncate to refuse)\n"
            .utf8))
    }
    print(encoding.json)
  }
}
