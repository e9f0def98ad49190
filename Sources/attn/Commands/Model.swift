import ArgumentParser
import AttentionCore
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

struct Model: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw what a model attends to: every layer and head for a text.",
    discussion: """
      MODEL is a Hugging Face model folder (for BERT: config.json, vocab.txt, \
      model.safetensors); left out, the fetched all-MiniLM-L6-v2 \
      (scripts/fetch-model puts it in the cache). \
      The figure has a row per layer and a column per head, the tokens as tick \
      labels and one colour scale; past 144 panels, each layer's mean over its \
      heads. --lens rollout draws attention rollout, one map per layer (what \
      the layers up to it have mixed, the residual counted as half); --lens \
      value-norm each weight times the length of what its value adds to the \
      output through the head. --words merges word pieces into words (Clark \
      et al., 2019). --span a-b draws, per map, what the span attends to and \
      what attends to it. --npy writes the maps drawn, float32 (layers, \
      heads, tokens, tokens), (layers, tokens, tokens) for rollout, and \
      (2, layers, heads, tokens) for a span: from it, then to it. Without \
      --out or --npy the figure is previewed in the terminal. Layers and heads \
      count from 1: "1,6", "1-4". \
      Long texts: with --rows or --cols (query and key positions from 0, as \
      --span takes them), or when every weight would take more than 1 GiB, \
      the model keeps its attention records (O(tokens) a layer) instead of \
      the weights, and each panel is recomputed at the size it is drawn: \
      a pixel is the mean weight of the tokens it covers, with positions as \
      ticks, until the cells are larger than pixels, where they are exact and \
      labelled with their tokens. --npy then writes the exact weights of the \
      rows and columns drawn, (layers, heads, rows, columns), at most 1 GiB. \
      --long does the same for any text. --out x.html then writes a page \
      that explores the run offline: every head pooled to 64 × 64 (max), \
      the heads chosen with --layers and --heads pooled as finely as \
      --html-mib allows (mean and max) and exact over --rows × --cols (or \
      whole, if that fits in half of it); it says what it holds.
      """
  )

  @Argument(help: "A model folder, then the text; with one argument, the text for the default model.")
  var arguments: [String] = []

  @Option(help: "A second text, for a sentence pair: [CLS] A [SEP] B [SEP].")
  var pair: String?

  @Option(help: "A file with one text per line; writes one figure (and .npy) per line, numbered.")
  var input: String?

  @Option(name: .shortAndLong, help: "Figure to write: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Where to write the attentions as float32 .npy (layers, heads, tokens, tokens).")
  var npy: String?

  @OptionGroup var chosen: SelectionOptions

  @Flag(help: "Refuse texts longer than the model's positions instead of truncating them.")
  var noTruncate = false

  @Option(help: "Width of the terminal preview in columns (default: the terminal's).")
  var columns: Int?

  @OptionGroup var lensOption: LensOption

  @Flag(help: "Words instead of word pieces: attention to a word sums its pieces, from a word averages them.")
  var words = false

  @Option(
    help: """
      Draw the attention from and to a span of tokens (or words, with --words), counted from 0 as \
      attn tokenize lists them: e.g. 3-5 or 4.
      """)
  var span: String?

  @Option(help: "Draw only these query positions, from 0: e.g. 4000-4099 (a long run).")
  var rows: String?

  @Option(help: "Draw only these key positions, from 0: e.g. 0-511 (a long run).")
  var cols: String?

  @Flag(help: "Keep the attention records and draw from them, as for a long text, whatever the length.")
  var long = false

  @Option(help: "The most MiB of data the page of a long run (--out x.html) carries.")
  var htmlMib = LongRunFile.defaultByteLimit >> 20

  @OptionGroup var figureOptions: FigureOptions

  private var modelAndText: (model: String, text: String?) { splitModelAndText(arguments, input: input) }

  func validate() throws {
    try checkModelAndText(arguments, input: input)
    if input != nil, pair != nil {
      throw ValidationError("--pair goes with a single TEXT, not with --input")
    }
    try lensOption.check(heads: chosen.heads, aggregate: chosen.aggregate, out: out, npy: npy)
  }

  func run() throws {
    let (folder, text) = modelAndText
    let model = try ModelLoader.load(contentsOf: folder)
    let selections = try lensOption.lenses.map { lens in
      try lensOption.selection(
        for: lens, layers: chosen.layers, heads: chosen.heads, aggregate: chosen.aggregate, summary: model.summary)
    }
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
        item.text, pair: item.pair, label: label, number: texts.count > 1 ? index + 1 : nil, model: model,
        selections: selections)
      progress.advance()
    }
    progress.finish()
  }

  private func draw(
    _ text: String, pair: String?, label: String, number: Int?, model: any AttentionModel,
    selections: [AttentionSelection?]
  ) throws {
    let encoding = try naming(label) { try model.tokenize(text, pair: pair) }
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
    let lenses = lensOption.lenses
    let summary = model.summary
    let weightBytes = 4 * summary.layerCount * summary.headCount * encoding.ids.count * encoding.ids.count
    if long || rows != nil || cols != nil || weightBytes > longRunWeightBytes {
      return try drawLong(
        encoding, label: label, number: number, model: model, modelName: modelAndText.model, selection: selections[0])
    }
    let lensed = try naming(label) { try model.lensedAttentions(encoding, lenses: lenses, words: words) }
    let span = try self.span.map { try parseSpan($0, count: lensed[0].tokens.count, of: words ? "words" : "tokens") }
    // A figure (and the maps --npy writes) for each lens.
    var views: [(name: String, figure: HeatmapFigure)] = []
    var maps: Tensor?
    for (index, lens) in lenses.enumerated() {
      var heatmap: HeatmapFigure
      if let span {
        let figure = try naming(label) {
          try SpanFigure(
            lensed[index], span: span, selection: selections[index], colorScale: figureOptions.colorScale,
            figsize: figureOptions.figureSize(), lens: lens)
        }
        (heatmap, maps) = (figure.heatmap, maps ?? figure.sums)
      } else {
        let figure = try naming(label) {
          try ModelFigure(
            lensed[index], selection: selections[index], colorScale: figureOptions.colorScale,
            figsize: figureOptions.figureSize(), lens: lens)
        }
        (heatmap, maps) = (figure.heatmap, maps ?? lensOption.npyMaps(figure.maps))
      }
      try naming(label) { try figureOptions.restyle(&heatmap) }
      views.append((lens.rawValue, heatmap))
    }
    let destinations = [out, npy].compactMap { $0 }.map { numbered($0, number) }
    try checkWritable(destinations)
    if let npy, let maps {
      try TensorFile.write(maps, to: numbered(npy, number))
    }
    if let out {
      let path = numbered(out, number)
      if views.count > 1 {
        let page = renderFigurePage(views: views)
        try AtomicFileWriter.write(page.bytes, to: path)
        page.layouts.forEach { reportNotes($0.notes) }
      } else {
        let layout = try naming(path) { try renderFigure(views[0].figure, to: path) }
        reportNotes(layout.notes)
      }
    }
    if out == nil && npy == nil {
      print(renderTerminalPreview(views[0].figure, columns: columns ?? terminalColumns()), terminator: "")
    }
  }
}

extension Model {
  /// A long text: the model keeps records, and `LongModelFigure` recomputes
  /// each panel at the size it is drawn.
  fileprivate func drawLong(
    _ encoding: Encoding, label: String, number: Int?, model: any AttentionModel, modelName: String,
    selection: AttentionSelection?
  ) throws {
    let count = encoding.ids.count
    guard lensOption.lenses == [.attention], !words, span == nil else {
      throw CommandError(
        "\(label): \(count) tokens are drawn from the attention records, raw attention only; "
          + "--lens, --words and --span need every weight (give fewer tokens)")
    }
    let rows = try self.rows.map { text in
      try parseSpan(text, count: count, of: "tokens", option: "--rows")
    }
    let keys = try cols.map { text in
      try parseSpan(text, count: count, of: "tokens", option: "--cols")
    }
    if let npy {
      try checkBlockFile(
        numbered(npy, number), layers: model.summary.layerCount, heads: model.summary.headCount,
        rows: rows?.count ?? count, columns: keys?.count ?? count)
    }
    let recording = try naming(label) { try model.record(encoding) }
    if let out, out.lowercased().hasSuffix(".html") {
      let path = numbered(out, number)
      try checkWritable([path] + (npy.map { [numbered($0, number)] } ?? []))
      try writeLongRunPage(
        recording, model: modelName, heads: chosen.namedHeads(selection), rows: rows, columns: keys,
        mebibytes: htmlMib, to: path)
      if npy != nil { try writeBlocks(recording, rows: rows, columns: keys, number: number) }
      return
    }
    let figure = try naming(label) {
      try LongModelFigure(
        recording, selection: selection, rows: rows, columns: keys, colorScale: figureOptions.colorScale,
        dpi: figureOptions.dpi)
    }
    var heatmap = figure.heatmap
    try naming(label) { try figureOptions.restyle(&heatmap) }
    let destinations = [out, npy].compactMap { $0 }.map { numbered($0, number) }
    try checkWritable(destinations)
    if npy != nil { try writeBlocks(recording, rows: rows, columns: keys, number: number) }
    if let out {
      let path = numbered(out, number)
      let layout = try naming(path) { try renderFigure(heatmap, to: path) }
      reportNotes(layout.notes)
    }
    if out == nil && npy == nil {
      print(renderTerminalPreview(heatmap, columns: columns ?? terminalColumns()), terminator: "")
    }
  }

  /// `--npy` of a long run: the exact weights of `rows` × `columns` of every head.
  private func writeBlocks(
    _ recording: AttentionRecording, rows: Range<Int>?, columns: Range<Int>?, number: Int?
  ) throws {
    guard let npy else { return }
    try writeRecordedBlocks(recording, rows: rows, columns: columns, to: numbered(npy, number))
  }
}

/// Whether `path` names a folder or a file on disk, so that a lone argument
/// that is a model is not taken for the text.
func isModelPath(_ path: String) -> Bool {
  FileManager.default.fileExists(atPath: path)
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
