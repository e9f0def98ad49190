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
    let attentions = try naming(maps) { try TensorFile.read(contentsOf: maps) }
    guard attentions.rank == 4, attentions.shape[2] == attentions.shape[3] else {
      throw CommandError("\(maps): maps are \(attentions.shape), not (layers, heads, tokens, tokens)")
    }
    let (layers, length) = (attentions.shape[0], attentions.shape[2])
    let flops = 2 * Double(max(layers - 1, 0)) * pow(Double(length), 3)
    var checksum: Float = 0
    let timings = try runs.time("rollout \(attentions.shape)", describe: { "\(format(flops / $0 / 1e6, 2)) GFLOP/s" }) {
      checksum += try attentionRollout(attentions).scalars[0]
    }
    guard checksum.isFinite else { throw CommandError("rollout: the results are not finite") }
    printJSON([
      ("bench", .string("rollout")),
      ("shape", .integers(attentions.shape)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gflops", .number(flops / (timings.median / 1e3) / 1e9)),
    ])
  }
}
