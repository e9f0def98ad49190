import ArgumentParser
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

struct Generate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Let a decoder write after a prompt, and draw what each written token attended to.",
    discussion: """
      MODEL is a decoder: a GGUF file or a Hugging Face folder; left out, the fetched \
      SmolLM2-135M-Instruct (scripts/fetch-model --decoder). The text streams to \
      stdout as it is written. --chat puts the prompt in the model's chat \
      template as the user's message (with --system as the system message, or \
      the template's default). Greedy at --temperature 0 (the default); above 0, \
      sampled with --top-k, --top-p and --seed. --out draws the generation \
      view (a row per written token: what it attended to when it was written, \
      over every token before it); as .html, the page where hovering a written \
      token shades the tokens before it. --view model draws every layer and \
      head over all tokens instead. With many heads the default is each \
      layer's mean over its heads; --layers, --heads and --aggregate choose. \
      --npy writes float32 (layers, heads, tokens, tokens), causal: row i is \
      token i's attention over tokens 0...i, zero to the right. --lens rollout \
      or value-norm draws and writes that lens instead (rollout: one map per \
      layer, (layers, tokens, tokens)). --words merges word pieces into \
      words over the whole run, written tokens included (with --view model \
      or --span); --span a-b draws what those tokens (or words) attend to \
      and what attends to them, positions from 0 over prompt and written \
      tokens alike, and --npy then writes (2, layers, heads, tokens). \
      Long prompts: with --long, --rows or --cols, or when every weight of \
      the run would take more than 1 GiB, the model keeps its attention \
      records instead, and the figures are drawn from them as attn model \
      draws a long text: --view generation draws the written tokens' rows \
      (--rows and --cols crop), --view model every map, .html the page of \
      the long run, and --npy the exact weights of the rows and columns.
      """
  )

  @Argument(
    help: "A GGUF file or model folder, then the prompt; with one argument, the prompt for the default model."
  )
  var arguments: [String] = []

  @Flag(help: "Put the prompt in the model's chat template, as the user's message.")
  var chat = false

  @Option(help: "The system message, with --chat (default: the template's own).")
  var system: String?

  @Option(help: "The most tokens to write.")
  var maxTokens = 64

  @Option(help: "0 for greedy; above 0, sample from softmax(logits / T).")
  var temperature = 0.0

  @Option(help: "Sample only among the K likeliest tokens.")
  var topK: Int?

  @Option(help: "Sample only among the likeliest tokens that make up probability P.")
  var topP: Double?

  @Option(help: "The sampler's seed.")
  var seed: UInt64 = 0

  @Option(name: .shortAndLong, help: "Figure to write: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Where to write the attentions as float32 .npy (layers, heads, tokens, tokens).")
  var npy: String?

  @OptionGroup var chosen: SelectionOptions

  @Option(help: "What --out draws: generation (a row per written token) or model (layers × heads).")
  var view: View = .generation

  enum View: String, ExpressibleByArgument, CaseIterable {
    case generation, model
  }

  @Flag(help: "Print to stderr how fast the prompt was read and the tokens written.")
  var timings = false

  @OptionGroup var lensOption: LensOption

  @Flag(help: "Words instead of word pieces, over the whole run (with --view model or --span).")
  var words = false

  @Option(help: "Draw the attention from and to a span of the run's tokens (or words), from 0: e.g. 3-5.")
  var span: String?

  @Option(help: "Draw only these query positions, from 0, over prompt and written tokens (a long run).")
  var rows: String?

  @Option(help: "Draw only these key positions, from 0 (a long run).")
  var cols: String?

  @Flag(help: "Keep the attention records and draw from them, as for a long prompt, whatever the length.")
  var long = false

  @Option(help: "The most MiB of data the page of a long run (--out x.html) carries.")
  var htmlMib = LongRunFile.defaultByteLimit >> 20

  @OptionGroup var figureOptions: FigureOptions

  private var modelAndPrompt: (model: String, prompt: String) {
    arguments.count == 1 ? (defaultDecoderPath(), arguments[0]) : (arguments[0], arguments[1])
  }

  func validate() throws {
    guard (1...2).contains(arguments.count) else {
      throw ValidationError("give MODEL and PROMPT, or just PROMPT, not \(arguments.count) arguments")
    }
    if arguments.count == 1, isModelPath(arguments[0]) {
      throw ValidationError("give the PROMPT after the model \(arguments[0])")
    }
    guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
    guard temperature >= 0, temperature.isFinite else {
      throw ValidationError("--temperature must be 0 or more")
    }
    if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
    if system != nil, !chat { throw ValidationError("--system goes with --chat") }
    try lensOption.check(heads: chosen.heads, aggregate: chosen.aggregate, out: out, npy: npy)
    guard lensOption.lenses.count == 1 else {
      throw ValidationError("attn generate draws one lens; attn model --out x.html takes several")
    }
    if words, span == nil, view == .generation, out != nil {
      throw ValidationError("--words draws with --view model or --span: the generation view has a row per written token")
    }
  }

  func run() throws {
    let (path, prompt) = modelAndPrompt
    let loaded = try ModelLoader.load(contentsOf: path)
    guard let model = loaded as? any GenerativeModel else {
      throw CommandError("\(path): a \(loaded.summary.architecture) model reads text but does not write it")
    }
    // Nothing chosen: the figures' own default for the model's size.
    let selection = try lensOption.selection(
      layers: chosen.layers, heads: chosen.heads, aggregate: chosen.aggregate, summary: model.summary)
    let lens = lensOption.lens
    try checkWritable([out, npy].compactMap { $0 })
    let text = chat ? try model.chatPrompt(user: prompt, system: system) : prompt
    let encoding = try naming("prompt") { try model.tokenize(text) }
    guard !encoding.truncated else {
      throw CommandError(
        "prompt: \(encoding.untruncatedLength) tokens, but the model reads at most \(encoding.ids.count)")
    }
    let options = GenerationOptions(
      maxTokens: maxTokens, temperature: temperature, topK: topK, topP: topP, seed: seed,
      recordsValues: lens.needsValues)
    let summary = model.summary
    let capacity = min(summary.maxTokens, encoding.ids.count + maxTokens)
    if long || rows != nil || cols != nil
      || 4 * summary.layerCount * summary.headCount * capacity * capacity > longRunWeightBytes
    {
      return try generateLong(model: model, modelPath: path, encoding: encoding, options: options, selection: selection)
    }
    var run = try streaming(promptTokens: encoding.ids.count) {
      try model.generate(prompt: encoding, options: options, onToken: $0)
    }
    run.attention = try lens.apply(to: ModelRun(attention: run.attention, values: run.values))
    run.values = nil
    // Words and spans read the whole run as attn model reads a text.
    var maps = run.attention
    if words {
      maps = try wordAttention(maps, wordIDs: model.textTokenizer.wordIDs(of: run.encoding(after: encoding)))
    }
    let spanFigure = try span.map { span in
      try SpanFigure(
        maps, span: parseSpan(span, count: maps.tokens.count, of: words ? "words" : "tokens"), selection: selection,
        colorScale: figureOptions.colorScale, figsize: figureOptions.figureSize(), lens: lens)
    }
    if let npy {
      try TensorFile.write(spanFigure?.sums ?? lensOption.npyMaps(maps.attentions), to: npy)
    }
    guard let out else { return }
    if spanFigure == nil, view == .generation, out.lowercased().hasSuffix(".html") {
      let decoder = model.textTokenizer as? any TextDecodingTokenizer
      let texts = decoder.map { decoder in (encoding.ids + run.generatedIds).map { decoder.decode([$0]) } }
      let page = try renderGenerationPage(run, tokenTexts: texts, title: prompt)
      try AtomicFileWriter.write(page, to: out)
      return
    }
    var heatmap: HeatmapFigure
    switch (spanFigure, view) {
    case (let spanFigure?, _):
      heatmap = spanFigure.heatmap
    case (nil, .generation):
      guard !run.generatedIds.isEmpty else {
        throw CommandError("\(out): no token was written, nothing to draw")
      }
      heatmap = try GenerationFigure(
        run, selection: selection, colorScale: figureOptions.colorScale, figsize: figureOptions.figureSize(),
        lens: lens
      ).heatmap
    case (nil, .model):
      heatmap = try ModelFigure(
        maps, selection: selection, colorScale: figureOptions.colorScale,
        figsize: figureOptions.figureSize(), lens: lens
      ).heatmap
    }
    try figureOptions.restyle(&heatmap)
    let layout = try naming(out) { try renderFigure(heatmap, to: out) }
    reportNotes(layout.notes)
  }

  /// Runs `write`, each written token's text streamed to stdout as it
  /// comes, then a newline; with --timings, how fast the prompt was read
  /// and the tokens written, to stderr.
  private func streaming<Run>(
    promptTokens: Int, _ write: (_ onToken: (GeneratedToken) throws -> Void) throws -> Run
  ) throws -> Run {
    let output = FileHandle.standardOutput
    let start = DispatchTime.now().uptimeNanoseconds
    var stamps: [UInt64] = []
    let run = try naming("prompt") {
      try write { token in
        stamps.append(DispatchTime.now().uptimeNanoseconds)
        output.write(Data(token.text.utf8))
      }
    }
    output.write(Data("\n".utf8))
    reportTimings(promptTokens: promptTokens, start: start, stamps: stamps)
    return run
  }

  private func reportTimings(promptTokens: Int, start: UInt64, stamps: [UInt64]) {
    if timings, let first = stamps.first, let last = stamps.last {
      let prompt = Double(first - start) / 1e9
      let writing = Double(last - first) / 1e9
      var line = "prompt: \(promptTokens) tokens in \(String(format: "%.3f", prompt)) s "
      line +=
        "(\(String(format: "%.1f", Double(promptTokens) / prompt)) tokens/s, the first token included)"
      if stamps.count > 1 {
        line += "; wrote \(stamps.count - 1) more in \(String(format: "%.3f", writing)) s "
        line += "(\(String(format: "%.1f", Double(stamps.count - 1) / writing)) tokens/s)"
      }
      FileHandle.standardError.write(Data((line + "\n").utf8))
    }
  }

  /// A long prompt: the model keeps attention records while it writes, and
  /// the figures are drawn from them (`LongModelFigure`, `LongRunFile`).
  private func generateLong(
    model: any GenerativeModel, modelPath: String, encoding: Encoding, options: GenerationOptions,
    selection: AttentionSelection?
  ) throws {
    guard lensOption.lens == .attention, !words, span == nil else {
      throw CommandError(
        "prompt: a long run is drawn from its attention records, raw attention only; "
          + "--lens, --words and --span need every weight (give a shorter prompt or fewer tokens to write)")
    }
    // Positions past the prompt are checked once the tokens are written;
    // a file too large for the run's longest length is refused before it.
    let capacity = min(model.summary.maxTokens, encoding.ids.count + options.maxTokens)
    if let npy {
      let span = { (text: String?) in (try? text.map { try parseSpan($0, count: capacity, of: "tokens") }) ?? nil }
      try checkBlockFile(
        npy, layers: model.summary.layerCount, heads: model.summary.headCount,
        rows: span(rows)?.count ?? capacity, columns: span(cols)?.count ?? capacity)
    }
    let run = try streaming(promptTokens: encoding.ids.count) {
      try model.generateRecorded(prompt: encoding, options: options, onToken: $0)
    }
    let recording = run.recording
    let count = recording.tokenCount
    let queries = try rows.map { try parseSpan($0, count: count, of: "tokens", option: "--rows") }
    let keys = try cols.map { try parseSpan($0, count: count, of: "tokens", option: "--cols") }
    if let npy { try writeRecordedBlocks(recording, rows: queries, columns: keys, to: npy) }
    guard let out else { return }
    if out.lowercased().hasSuffix(".html") {
      try writeLongRunPage(
        recording, model: modelPath, heads: chosen.namedHeads(selection), rows: queries, columns: keys,
        mebibytes: htmlMib, to: out)
      return
    }
    // The generation view: the written tokens' rows, over every token.
    let drawnRows: Range<Int>?
    switch view {
    case .model: drawnRows = queries
    case .generation:
      guard run.promptTokenCount < count else { throw CommandError("\(out): no token was written, nothing to draw") }
      drawnRows = queries ?? run.promptTokenCount..<count
    }
    var heatmap = try naming(out) {
      try LongModelFigure(
        recording, selection: selection, rows: drawnRows, columns: keys, colorScale: figureOptions.colorScale,
        dpi: figureOptions.dpi
      ).heatmap
    }
    try figureOptions.restyle(&heatmap)
    let layout = try naming(out) { try renderFigure(heatmap, to: out) }
    reportNotes(layout.notes)
  }
}
