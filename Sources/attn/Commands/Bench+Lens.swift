import ArgumentParser
import Foundation
import TensorIO
import TransformerModels

struct RolloutBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rollout",
    abstract: "Time attention rollout over a file of maps.",
    discussion: """
      MAPS is float32 .npy (layers, heads, tokens, tokens), rows summing to 1, so \
      that a peer can time the same maps (bench/lens-compare does, with NumPy). \
      gflops counts the layer products, 2·L³ for each layer after the first.
      """
  )

  @Option(help: "The maps: float32 .npy (layers, heads, tokens, tokens).")
  var maps: String

  @OptionGroup var runs: BenchRuns

  func run() throws {
    try timeLens(
      "rollout", mapsPath: maps, runs: runs,
      flops: { layers, length in
        2 * Double(max(layers - 1, 0)) * pow(Double(length), 3)
      }, attentionRollout)
  }
}

struct FlowBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "flow",
    abstract: "Time attention flow over a file of maps.",
    discussion: """
      MAPS is float32 .npy (layers, heads, tokens, tokens), rows summing to 1, so \
      that a peer can time the same maps (bench/lens-compare does, with networkx's \
      maximum flow). Each cell of each layer's map is one maximum flow.
      """
  )

  @Option(help: "The maps: float32 .npy (layers, heads, tokens, tokens).")
  var maps: String

  @OptionGroup var runs: BenchRuns

  func run() throws {
    try timeLens("flow", mapsPath: maps, runs: runs, flops: nil, attentionFlow)
  }
}

/// Times `lens` over the maps in `mapsPath` and prints one JSON line:
/// the median and fastest run, and GFLOP/s when `flops` counts them.
private func timeLens(
  _ name: String, mapsPath: String, runs: BenchRuns, flops: ((_ layers: Int, _ length: Int) -> Double)?,
  _ lens: (Tensor) throws -> Tensor
) throws {
  let attentions = try naming(mapsPath) { try TensorFile.read(contentsOf: mapsPath) }
  guard attentions.rank == 4, attentions.shape[2] == attentions.shape[3] else {
    throw CommandError("\(mapsPath): maps are \(attentions.shape), not (layers, heads, tokens, tokens)")
  }
  let count = flops?(attentions.shape[0], attentions.shape[2])
  var checksum: Float = 0
  let timings = try runs.time(
    "\(name) \(attentions.shape)",
    describe: { ms in count.map { "\(format($0 / ms / 1e6, 2)) GFLOP/s" } ?? "" }
  ) {
    checksum += try lens(attentions).scalars[0]
  }
  guard checksum.isFinite else { throw CommandError("\(name): the results are not finite") }
  var fields: [(String, JSONValue)] = [
    ("bench", .string(name)),
    ("shape", .integers(attentions.shape)),
    ("runs", .integer(runs.runs)),
    ("warmup", .integer(runs.warmup)),
    ("median_ms", .number(timings.median)),
    ("min_ms", .number(timings.minimum)),
  ]
  if let count { fields.append(("gflops", .number(count / (timings.median / 1e3) / 1e9))) }
  printJSON(fields)
}
