import ArgumentParser
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

struct Compare: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Compare the attention of two texts (a minimal pair), or of two models on one text.",
    discussion: """
      attn compare [MODEL] TEXT_A TEXT_B, or attn compare [MODEL] TEXT --against MODEL_B. \
      The tokens are aligned where they agree; a run of tokens replaced by as many \
      others (she/he) is aligned one by one, and tokens only one side has are \
      left out of the difference (hatched, labelled +b or −a). --out draws A \
      minus B on RdBu_r, centred at 0 (as --layers, --heads and --aggregate \
      choose); --npy writes it, float32 (layers, heads, positions, positions), \
      NaN where a side has no token. The heads are listed by the mean \
      Jensen–Shannon distance (base 2: 0 to 1) between their rows in A and B, \
      largest first (--top of them). --lens rollout, value-norm or flow \
      compares that lens instead (rows renormalised for the distance; \
      rollout and flow rank layers).
      """
  )

  @Argument(help: "[MODEL] TEXT_A TEXT_B, or [MODEL] TEXT with --against.")
  var arguments: [String] = []

  @Option(help: "A second model to run the same text through.")
  var against: String?

  @Option(name: .shortAndLong, help: "Figure of A − B: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Where to write A − B as float32 .npy.")
  var npy: String?

  @Option(help: "Heads to list, most changed first (0: all).")
  var top = 10

  @OptionGroup var chosen: SelectionOptions

  @OptionGroup var lensOption: LensOption

  @OptionGroup var figureOptions: FigureOptions

  /// The models and texts the arguments name.
  private var inputs: (modelA: String, modelB: String, textA: String, textB: String) {
    if let against {
      return arguments.count == 2
        ? (arguments[0], against, arguments[1], arguments[1])
        : (defaultModelFolder(), against, arguments[0], arguments[0])
    }
    return arguments.count == 3
      ? (arguments[0], arguments[0], arguments[1], arguments[2])
      : (defaultModelFolder(), defaultModelFolder(), arguments[0], arguments[1])
  }

  func validate() throws {
    let allowed = against == nil ? 2...3 : 1...2
    guard allowed.contains(arguments.count) else {
      throw ValidationError(
        against == nil
          ? "give [MODEL] TEXT_A TEXT_B, not \(arguments.count) arguments"
          : "give [MODEL] TEXT with --against, not \(arguments.count) arguments")
    }
    if against == nil, arguments.count == 2, isModelPath(arguments[0]) {
      throw ValidationError("give TEXT_A and TEXT_B after the model \(arguments[0]), or one TEXT with --against")
    }
    if against != nil, arguments.count == 1, isModelPath(arguments[0]) {
      throw ValidationError("give the TEXT after the model \(arguments[0])")
    }
    guard top >= 0 else { throw ValidationError("--top must be 0 or more") }
    try lensOption.check(heads: chosen.heads, aggregate: chosen.aggregate, out: out, npy: npy)
    guard lensOption.lenses.count == 1 else { throw ValidationError("attn compare compares one lens at a time") }
  }

  func run() throws {
    let (pathA, pathB, textA, textB) = inputs
    try checkWritable([out, npy].compactMap { $0 })
    let modelA = try ModelLoader.load(contentsOf: pathA)
    let modelB = pathB == pathA ? modelA : try ModelLoader.load(contentsOf: pathB)
    let lens = lensOption.lens
    let runA = try naming("text A") { try modelA.lensedAttention(modelA.tokenize(textA), lens: lens) }
    let runB = try naming("text B") { try modelB.lensedAttention(modelB.tokenize(textB), lens: lens) }
    let comparison = try naming(against ?? "text B") { try AttentionComparison(runA, runB) }
    print("aligned: \(comparison.alignment.labels.joined(separator: " "))")
    // A lens of one map per layer ranks layers.
    print(lens.hasHeads ? "rank,head,Jensen-Shannon distance" : "rank,layer,Jensen-Shannon distance")
    let shown = comparison.ranking.prefix(top == 0 ? comparison.ranking.count : top)
    for (place, entry) in shown.enumerated() {
      let name = lens.hasHeads ? entry.head.description : "\(entry.head.layer + 1)"
      print("\(place + 1),\(name),\(String(format: "%.6f", entry.distance))")
    }
    if let npy { try TensorFile.write(lensOption.npyMaps(comparison.difference.attentions), to: npy) }
    guard let out else { return }
    let selection = try lensOption.selection(
      layers: chosen.layers, heads: chosen.heads, aggregate: chosen.aggregate, summary: modelA.summary)
    var figure = try ModelFigure(
      comparison.difference, selection: selection, figsize: figureOptions.figureSize(), lens: lens
    ).heatmap
    figure.colorbarLabel = "A − B"
    try figureOptions.restyleAsDifference(&figure)
    let layout = try naming(out) { try renderFigure(figure, to: out) }
    reportNotes(layout.notes)
  }
}
