import ArgumentParser
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

extension HeadStatistic: ExpressibleByArgument {}

struct Atlas: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarise what every head of a model does: a table and a figure of its statistics.",
    discussion: """
      For each head, from its map a over L tokens: entropy (the mean over rows \
      of -Σ a ln a, nats), distance (the mean over rows of Σ a_ij |i - j|), \
      previous and next (the mean weight on the token before and after), self \
      (on the token itself) and sink (on [CLS] and [SEP] for an encoder, the \
      first token for a decoder), and a label: previous-token, next-token, \
      self or sink when that weight is at least 0.5 (the largest wins), broad \
      when the entropy is at least 0.9 of even rows', mixed otherwise. \
      With --input FILE (one text per line) the statistics are averaged over \
      the texts, run --batch-size at a time, and the label drawn from the \
      means. --csv writes layer,head,entropy,distance,previous,next,self,sink,label \
      (layers and heads from 1); --json the same as objects; --out a figure, \
      a row per layer and a column per head, coloured by --statistic and \
      labelled. Without any of them the table is printed.
      """
  )

  @Argument(help: "A model folder or GGUF file, then the text; with one argument, the text for the default model.")
  var arguments: [String] = []

  @Option(help: "A file with one text per line; the atlas averages over them.")
  var input: String?

  @Option(name: .shortAndLong, help: "Figure to write: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Where to write the table as CSV.")
  var csv: String?

  @Option(help: "Where to write the table as JSON.")
  var json: String?

  @Option(help: "The statistic that colours the figure: \(HeadStatistic.allCases.map(\.rawValue).joined(separator: ", ")).")
  var statistic: HeadStatistic = .entropy

  @Option(help: "Texts run together in one batch.")
  var batchSize = 16

  @OptionGroup var figureOptions: FigureOptions

  private var modelAndText: (model: String, text: String?) { splitModelAndText(arguments, input: input) }

  func validate() throws {
    try checkModelAndText(arguments, input: input)
    guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
  }

  func run() throws {
    let (path, text) = modelAndText
    try checkWritable([out, csv, json].compactMap { $0 })
    let model = try ModelLoader.load(contentsOf: path)
    let texts = try input.map(readLines) ?? [text ?? ""]
    let encodings = try texts.enumerated().map { index, text in
      let label = input.map { "\($0):\(index + 1)" } ?? "text"
      let encoding = try naming(label) { try model.tokenize(text) }
      if encoding.truncated {
        warn("\(label): text has \(encoding.untruncatedLength) tokens; truncated to \(encoding.ids.count)")
      }
      return encoding
    }
    let progress = ProgressBar(total: encodings.count, enabled: encodings.count > 1)
    let atlas = try naming(input ?? "text") {
      try model.headAtlas(of: encodings, batchSize: batchSize) { progress.update(done: $0) }
    }
    progress.finish()
    if let csv { try AtomicFileWriter.write(Array(atlas.csv().utf8), to: csv) }
    if let json { try AtomicFileWriter.write(Array(atlas.json().utf8), to: json) }
    if let out {
      var figure = try HeadAtlasFigure(atlas, statistic: statistic, figsize: figureOptions.figureSize()).heatmap
      try figureOptions.restyle(&figure)
      figure.annotate = true  // the labels, whatever --annotate says
      let layout = try naming(out) { try renderFigure(figure, to: out) }
      reportNotes(layout.notes)
    }
    if out == nil && csv == nil && json == nil { print(atlas.csv(), terminator: "") }
  }
}
