import ArgumentParser
import TransformerModels

extension AttentionLens: ExpressibleByArgument {}

/// `--lens`, shared by the commands that draw a run.
struct LensOption: ParsableArguments {
  @Option(
    help: """
      What to draw and write: attention (the weights), rollout (what each layer has mixed so far, \
      one map per layer) or value-norm (each weight times the length of what its value adds).
      """)
  var lens: AttentionLens = .attention

  /// Refuses head options for a lens without heads.
  func check(heads: String?, aggregate: AttentionSelection.Aggregation?) throws {
    guard !lens.hasHeads else { return }
    if heads != nil || aggregate != nil {
      throw ValidationError("--lens \(lens.rawValue) has one map per layer: --heads and --aggregate do not apply")
    }
  }

  /// The selection for the lensed maps: a lens without heads has one
  /// "head" per layer, so only the layers are chosen.
  func selection(
    layers: String?, heads: String?, aggregate: AttentionSelection.Aggregation?, summary: ModelSummary
  ) throws -> AttentionSelection? {
    try lensSelection(lens: lens, layers: layers, heads: heads, aggregate: aggregate, summary: summary)
  }

  /// What `--npy` writes of the drawn maps `[n, h, L, L]`: rollout without
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
