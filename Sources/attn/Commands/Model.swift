import ArgumentParser
import AttentionCore
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

struct Model: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw what a BERT model attends to: every layer and head for a text.",
    discussion: """
      MODEL_DIR is a Hugging Face BERT folder (config.json, vocab.txt, \
      model.safetensors); scripts/fetch-model puts all-MiniLM-L6-v2 in one. \
      The figure has a row per layer and a column per head, the tokens as tick \
      labels and one colour scale. --npy writes the attentions drawn, float32 \
      (layers, heads, tokens, tokens). Without --out or --npy the figure is \
      previewed in the terminal. Layers and heads count from 1: "1,6", "1-4".
      """
  )

  @Argument(help: "A Hugging Face BERT model folder.")
  var modelDir: String

  @Argument(help: "The text to run (omit with --input).")
  var text: String?

  @Option(help: "A second text, for a sentence pair: [CLS] A [SEP] B [SEP].")
  var pair: String?

  @Option(help: "A file with one text per line; writes one figure (and .npy) per line, numbered.")
  var input: String?

  @Option(name: .shortAndLong, help: "Figure to write: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Where to write the attentions as float32 .npy (layers, heads, tokens, tokens).")
  var npy: String?

  @Option(help: "Layers to draw, from 1: e.g. 1,6 or 2-4 (default: all).")
  var layers: String?

  @Option(help: "Heads to draw, from 1: e.g. 1-4 (default: all).")
  var heads: String?

  @Option(help: "Combine the chosen heads of each layer into one panel: mean or max.")
  var aggregate: HeadAggregate?

  @Flag(help: "Refuse texts longer than the model's positions instead of truncating them.")
  var noTruncate = false

  @Option(help: "Width of the terminal preview in columns (default: the terminal's).")
  var columns: Int?

  @OptionGroup var figureOptions: FigureOptions

  func validate() throws {
    guard (text == nil) != (input == nil) else {
      throw ValidationError("give either TEXT or --input FILE")
    }
    if input != nil, pair != nil {
      throw ValidationError("--pair goes with a single TEXT, not with --input")
    }
  }

  func run() throws {
    let tokenizer = try WordPieceTokenizer(folder: modelDir)
    let model = try BertModel.load(folder: modelDir)
    let texts: [(text: String, pair: String?)]
    if let input {
      texts = try readLines(input).map { ($0, nil) }
    } else {
      texts = [(text ?? "", pair)]
    }
    let progress = ProgressBar(total: texts.count, enabled: texts.count > 1)
    for (index, item) in texts.enumerated() {
      let label = input.map { "\($0):\(index + 1)" } ?? "text"
      try draw(
        item.text, pair: item.pair, label: label, number: texts.count > 1 ? index + 1 : nil,
        tokenizer: tokenizer, model: model)
      progress.advance()
    }
    progress.finish()
  }

  private func draw(
    _ text: String, pair: String?, label: String, number: Int?, tokenizer: WordPieceTokenizer,
    model: BertModel
  ) throws {
    let encoding = try naming(label) { try tokenizer.encode(text, pair: pair) }
    if encoding.truncated {
      let limit = encoding.ids.count
      if noTruncate {
        throw CommandError(
          "\(label): text has \(encoding.untruncatedLength) tokens; the model reads at most \(limit)")
      }
      warn(
        "\(label): text has \(encoding.untruncatedLength) tokens; truncated to \(limit) (--no-truncate to refuse)"
      )
    }
    let output = try naming(label) { try model.forward(ids: encoding.ids, typeIds: encoding.typeIds) }
    let selection = try AttentionSelection(
      layers: layers, heads: heads, layerCount: model.config.layerCount, headCount: model.config.headCount)
    let attentions = selection.select(output.attentions, aggregate: aggregate?.aggregation)
    let grid = attentions.shape
    var figure = try naming(label) {
      try figureOptions.figure(for: attentions, defaultXLabel: "Keys", defaultYLabel: "Queries")
    }
    if figureOptions.titles == nil {
      figure.titles =
        aggregate.map { ["\($0.rawValue) of heads \(selection.headsDescription)"] }
        ?? selection.heads.map { "Head \($0 + 1)" }
    }
    if figureOptions.rowTitles == nil { figure.rowTitles = selection.layers.map { "Layer \($0 + 1)" } }
    if figureOptions.xticklabels == nil { figure.xTickLabels = encoding.tokens }
    if figureOptions.yticklabels == nil { figure.yTickLabels = encoding.tokens }
    if figureOptions.figsize == nil {
      fitModelFigure(&figure, rows: grid[0], columns: grid[1], tokens: encoding.tokens)
    }
    let destinations = [out, npy].compactMap { $0 }.map { numbered($0, number) }
    try checkWritable(destinations)
    if let npy {
      try TensorFile.write(attentions, to: numbered(npy, number))
    }
    if let out {
      let path = numbered(out, number)
      let layout = try naming(path) { try renderFigure(figure, to: path) }
      reportNotes(layout.notes)
    }
    if out == nil && npy == nil {
      print(renderTerminalPreview(figure, columns: columns ?? terminalColumns()), terminator: "")
    }
  }
}

enum HeadAggregate: String, ExpressibleByArgument, CaseIterable {
  case mean, max

  var aggregation: AttentionSelection.Aggregation {
    switch self {
    case .mean: return .mean
    case .max: return .max
    }
  }
}

/// `base.png` as `base-3.png` for the third text of an --input file.
func numbered(_ path: String, _ number: Int?) -> String {
  guard let number else { return path }
  let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
  if let dot = path[nameStart...].lastIndex(of: "."), dot != nameStart {
    return path[..<dot] + "-\(number)" + path[dot...]
  }
  return path + "-\(number)"
}

/// The non-empty lines of a text file, each one text.
func readLines(_ path: String) throws -> [String] {
  guard let data = FileManager.default.contents(atPath: path) else {
    throw CommandError("\(path): no such file")
  }
  guard let text = String(data: data, encoding: .utf8) else {
    throw CommandError("\(path): not UTF-8 text")
  }
  let lines = text.split(whereSeparator: \.isNewline).map(String.init)
    .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
  guard !lines.isEmpty else { throw CommandError("\(path): no text in the file") }
  return lines
}

func warn(_ message: String) {
  FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
