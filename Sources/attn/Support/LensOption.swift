import ArgumentParser
import TransformerModels

extension AttentionLens: ExpressibleByArgument {}

/// One lens, or several separated by commas (for an .html page of a view each).
struct LensList: ExpressibleByArgument {
  var lenses: [AttentionLens]

  init(_ lenses: [AttentionLens]) { self.lenses = lenses }

  init?(argument: String) {
    let lenses = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      AttentionLens(rawValue: $0.trimmingCharacters(in: .whitespaces))
    }
    guard !lenses.isEmpty, lenses.allSatisfy({ $0 != nil }) else { return nil }
    self.lenses = lenses.compactMap { $0 }
    guard Set(self.lenses).count == self.lenses.count else { return nil }
  }

  var defaultValueDescription: String { lenses.map(\.rawValue).joined(separator: ",") }
  static var allValueStrings: [String] { AttentionLens.allCases.map(\.rawValue) }
}

/// `--lens`, shared by the commands that draw a run.
struct LensOption: ParsableArguments {
  @Option(
    name: .customLong("lens"),
    help: """
      What to draw and write: attention (the weights), rollout (what each layer has mixed so far, \
      one map per layer), value-norm (each weight times the length of what its value adds) or flow \
      (the maximum flow from each input token, one map per layer; short texts); \
      for an .html page, several, comma-separated: a view each, the first shown first.
      """)
  var list = LensList([.attention])

  /// The lens drawn (the first of several).
  var lens: AttentionLens { list.lenses[0] }
  var lenses: [AttentionLens] { list.lenses }

  /// Refuses head options for a lens without heads, and several lenses
  /// for anything but one .html page.
  func check(heads: String?, aggregate: AttentionSelection.Aggregation?, out: String?, npy: String?) throws {
    if let flat = lenses.first(where: { !$0.hasHeads }), heads != nil || aggregate != nil {
      throw ValidationError("--lens \(flat.rawValue) has one map per layer: --heads and --aggregate do not apply")
    }
    guard lenses.count > 1 else { return }
    guard let out, out.lowercased().hasSuffix(".html"), npy == nil else {
      throw ValidationError("several lenses go into one .html page (--out x.html); a PNG, SVG, PDF or .npy holds one")
    }
  }

  /// The selection for `lens`'s maps: a lens without heads has one
  /// "head" per layer, so only the layers are chosen.
  func selection(
    for lens: AttentionLens? = nil, layers: String?, heads: String?, aggregate: AttentionSelection.Aggregation?,
    summary: ModelSummary
  ) throws -> AttentionSelection? {
    try lensSelection(lens: lens ?? self.lens, layers: layers, heads: heads, aggregate: aggregate, summary: summary)
  }

  /// What `--npy` writes of the drawn maps `[n, h, L, L]`: rollout and flow without
  /// its head axis, `[n, L, L]`; the others as they are.
  func npyMaps(_ maps: Tensor) -> Tensor {
    guard !lens.hasHeads else { return maps }
    return maps.reshaped([maps.shape[0], maps.shape[2], maps.shape[3]])
  }
}

/// The selection `--layers`, `--heads` and `--aggregate` make for `lens`'s
/// maps, or nil when none is given (the figure's default).
func lensSelection(
  lens: AttentionLens, layers: String?, heads: String?, aggregate: AttentionSelection.Aggregation?,
  summary: ModelSummary
) throws -> AttentionSelection? {
  if layers == nil && heads == nil && aggregate == nil { return nil }
  return try attentionSelection(
    layers: layers, heads: heads, aggregate: lens.hasHeads ? aggregate : .mean,
    layerCount: summary.layerCount, headCount: lens.hasHeads ? summary.headCount : 1)
}

/// `--layers`, `--heads` and `--aggregate`, shared by the commands that draw a model's maps.
struct SelectionOptions: ParsableArguments {
  @Option(help: "Layers to draw, from 1: e.g. 1,6 or 2-4 (default: all).")
  var layers: String?

  @Option(help: "Heads to draw, from 1: e.g. 1-4 (default: all).")
  var heads: String?

  @Option(help: "Combine the chosen heads of each layer into one panel: mean or max.")
  var aggregate: AttentionSelection.Aggregation?
}
