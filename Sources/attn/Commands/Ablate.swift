import ArgumentParser
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

extension HeadAblation.Mode: ExpressibleByArgument {}

struct Ablate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Switch heads off and show what changed; or rank every head by what switching it off changes.",
    discussion: """
      --ablate 3.7,5.2 switches off head 7 of layer 3 and head 2 of layer 5 \
      (from 1): their context is zeroed before the output projection (--mode \
      zero), or for an encoder replaced by its mean over the text's tokens \
      (--mode mean). For an encoder it prints the cosine between the sentence \
      embeddings before and after; for a decoder the KL divergence of the next \
      token's distribution (before ‖ after), its likeliest tokens before and \
      after, and --max-tokens of greedy text before and after; for both, the \
      mean absolute change of each layer's attention. --out draws the \
      attention after minus before, diverging around 0 (RdBu_r). --rank \
      switches off each head alone and lists the heads by how much the \
      output moves (1 - cosine, or the divergence), largest first.
      """
  )

  @Argument(help: "A model folder or GGUF file, then the text; with one argument, the text for the default model.")
  var arguments: [String] = []

  @Option(help: "Heads to switch off, layer.head from 1: e.g. 3.7,5.2.")
  var ablate: String?

  @Option(help: "zero, or mean (encoders): what an ablated head's context becomes.")
  var mode: HeadAblation.Mode = .zero

  @Flag(help: "Rank every head by what switching it off alone changes.")
  var rank = false

  @Option(help: "Heads to list with --rank (0: all).")
  var top = 20

  @Flag(help: "Put the text in a decoder's chat template, as the user's message.")
  var chat = false

  @Option(help: "Greedy tokens a decoder writes before and after.")
  var maxTokens = 16

  @Option(name: .shortAndLong, help: "Figure of the change in attention: .png, .svg, .pdf or .html.")
  var out: String?

  @OptionGroup var chosen: SelectionOptions

  @OptionGroup var figureOptions: FigureOptions

  private var modelAndText: (model: String, text: String) {
    arguments.count == 1 ? (defaultModelFolder(), arguments[0]) : (arguments[0], arguments[1])
  }

  func validate() throws {
    guard (1...2).contains(arguments.count) else {
      throw ValidationError("give MODEL and TEXT, or just TEXT, not \(arguments.count) arguments")
    }
    if arguments.count == 1, isModelPath(arguments[0]) {
      throw ValidationError("give the TEXT after the model \(arguments[0])")
    }
    guard (ablate == nil) != !rank else { throw ValidationError("give --ablate HEADS or --rank") }
    if rank, out != nil { throw ValidationError("--out draws one ablation; not with --rank") }
    guard maxTokens >= 0, top >= 0 else { throw ValidationError("--max-tokens and --top must be 0 or more") }
  }

  func run() throws {
    let (path, text) = modelAndText
    if let out { try checkWritable([out]) }
    let model = try ModelLoader.load(contentsOf: path)
    let generative = model as? any GenerativeModel
    let prompt = chat ? try generative.map { try $0.chatPrompt(user: text, system: nil) } ?? text : text
    let encoding = try naming("text") { try model.tokenize(prompt) }
    if rank {
      try printRanking(model, encoding)
      return
    }
    let ablation = HeadAblation(heads: try parseHeads(ablate ?? ""), mode: mode)
    let effect = try naming("--ablate") { try model.ablationEffect(of: ablation, on: encoding) }
    var lines = ["ablated: \(ablation.heads.sorted().map(\.description).joined(separator: ", ")) (\(mode.rawValue))"]
    if let cosine = effect.embeddingCosine {
      lines.append("sentence embedding cosine, before and after: \(String(format: "%.6f", cosine))")
    }
    if let divergence = effect.nextTokenDivergence, let generative,
      let decoder = model.textTokenizer as? any TextDecodingTokenizer
    {
      lines.append("next token, KL(before ‖ after): \(String(format: "%.6f", divergence)) nats")
      for (name, run) in [("before", effect.before), ("after", effect.after)] {
        let tokens = AblationEffect.topTokens(of: run, count: 5).map {
          "\(quoted(decoder.decode([$0.id]))) \(String(format: "%.3f", $0.probability))"
        }
        lines.append("likeliest next tokens \(name): \(tokens.joined(separator: ", "))")
      }
      if maxTokens > 0 {
        for (name, options) in [
          ("before", GenerationOptions(maxTokens: maxTokens)),
          ("after", GenerationOptions(maxTokens: maxTokens, ablation: ablation)),
        ] {
          let written = try generative.generate(prompt: encoding, options: options) { _ in }
          lines.append("greedy text \(name): \(quoted(written.text))")
        }
      }
    }
    lines.append(
      "attention change by layer (mean |after - before|): "
        + effect.attentionChange.enumerated().map { "\($0 + 1): \(String(format: "%.4f", $1))" }.joined(separator: ", "))
    print(lines.joined(separator: "\n"))
    guard let out else { return }
    let change = effect.attentionDifference
    let selection = try lensSelection(
      lens: .attention, layers: chosen.layers, heads: chosen.heads, aggregate: chosen.aggregate, summary: model.summary)
    var figure = try ModelFigure(change, selection: selection, figsize: figureOptions.figureSize()).heatmap
    figure.colorbarLabel = "after − before"
    try figureOptions.restyleAsDifference(&figure)
    let layout = try naming(out) { try renderFigure(figure, to: out) }
    reportNotes(layout.notes)
  }

  private func printRanking(_ model: any AttentionModel, _ encoding: Encoding) throws {
    let total = model.summary.layerCount * model.summary.headCount
    let progress = ProgressBar(total: total, enabled: true)
    let ranking = try naming("text") {
      try model.headRanking(on: encoding, mode: mode) { progress.update(done: $0) }
    }
    progress.finish()
    let measure = model.summary.attentionKind == .causal ? "next-token KL (nats)" : "1 - embedding cosine"
    print("rank,head,\(measure)")
    for (place, entry) in ranking.prefix(top == 0 ? ranking.count : top).enumerated() {
      print("\(place + 1),\(entry.head),\(String(format: "%.6g", entry.change))")
    }
  }
}

/// `text` as a quoted JSON string, so that newlines and quotes stay on one report line.
private func quoted(_ text: String) -> String {
  var line = ""
  appendJSONString(text, to: &line)
  return line
}
