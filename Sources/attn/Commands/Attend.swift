import ArgumentParser
import AttentionCore
import Foundation
import Heatmaps
import TensorIO

struct Attend: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Pool values by the attention of queries over keys.",
    discussion: """
      Queries [B, Lq, D], keys [B, Lk, D] and values [B, Lk, Dv] (or 4-D with a \
      head axis, [B, H, L, D]; or 2-D, one batch). Each query is scored against \
      every key, the scores become weights by softmax over the keys, and the \
      weights pool the values. Writes the pooled output [.., Lq, Dv] and, if asked, \
      the weights [.., Lq, Lk] as .npy.
      """
  )

  @Option(help: "Queries, [B, Lq, D] (.npy, .npz, .csv or .json).")
  var queries: String

  @Option(help: "Keys, [B, Lk, D].")
  var keys: String

  @Option(help: "Values, [B, Lk, Dv].")
  var values: String

  @Option(help: "Scoring function: dot or scaled-dot (dot / √D).")
  var scoring: ScoringChoice = .scaledDot

  @Option(
    help: """
      Valid key counts, comma-separated: one per batch, or one per batch and query \
      (B·Lq values, batch-major). Keys at or past the count get no weight.
      """)
  var validLens: String?

  @Flag(help: "Let query i see keys 0…i only (top-left aligned, as PyTorch's is_causal).")
  var causal = false

  @Option(name: .shortAndLong, help: "Where to write the pooled output (.npy, .csv, .json).")
  var out: String

  @Option(help: "Where to write the attention weights.")
  var weights: String?

  @Option(help: "Draw the attention weights to this figure (.png, .svg, .pdf).")
  var plot: String?

  @OptionGroup var figureOptions: FigureOptions

  func run() throws {
    let inputs = "\(queries), \(keys), \(values)"
    var queryTensor = try TensorFile.read(path: queries)
    var keyTensor = try TensorFile.read(path: keys)
    var valueTensor = try TensorFile.read(path: values)
    // A single 2-D sequence is a batch of one; its results keep the 2-D shape.
    let unbatched = queryTensor.rank == 2 && keyTensor.rank == 2 && valueTensor.rank == 2
    if unbatched {
      queryTensor = queryTensor.reshaped([1] + queryTensor.shape)
      keyTensor = keyTensor.reshaped([1] + keyTensor.shape)
      valueTensor = valueTensor.reshaped([1] + valueTensor.shape)
    }
    let lengths = try validLens.map { try parseLengths($0) }
    let result = try naming(inputs) {
      try attentionPooling(
        queries: queryTensor, keys: keyTensor, values: valueTensor,
        scoring: scoring.scoring, validLengths: lengths, causal: causal)
    }
    var output = result.output
    var attentionWeights = result.attentionWeights
    if unbatched {
      output = output.reshaped(Array(output.shape.dropFirst()))
      attentionWeights = attentionWeights.reshaped(Array(attentionWeights.shape.dropFirst()))
    }

    let figure = try plot.map { plotPath in
      try naming(plotPath) {
        try figureOptions.figure(
          for: weightGrid(attentionWeights), defaultXLabel: "Keys", defaultYLabel: "Queries")
      }
    }
    let destinations = [out] + [weights, plot].compactMap { $0 }
    try checkWritable(destinations)
    try TensorFile.write(output, to: out)
    if let weights {
      try TensorFile.write(attentionWeights, to: weights)
    }
    if let plot, let figure {
      try naming(plot) { try renderFigure(figure, to: plot) }
    }
  }

  private func parseLengths(_ text: String) throws -> [Int] {
    try splitList(text).map { item in
      guard let length = Int(item.trimmingCharacters(in: .whitespaces)) else {
        throw CommandError("--valid-lens \"\(text)\": \"\(item)\" is not a whole number")
      }
      return length
    }
  }
}

/// The weights as a grid for `HeatmapFigure`: batches across for 3-D weights,
/// batches down and heads across for 4-D ones.
private func weightGrid(_ attentionWeights: Tensor) -> Tensor {
  switch attentionWeights.rank {
  case 4: return attentionWeights
  case 3: return attentionWeights.reshaped([1] + attentionWeights.shape)
  default: return attentionWeights
  }
}

/// Fails before anything is written when an output's folder is missing, so a
/// run never leaves some outputs written and others not.
func checkWritable(_ paths: [String]) throws {
  for path in paths {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw CommandError("\(path): no such folder \(folder)")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
      throw CommandError("\(path): folder \(folder) is not writable")
    }
  }
}

enum ScoringChoice: String, ExpressibleByArgument, CaseIterable {
  case dot
  case scaledDot = "scaled-dot"

  var scoring: AttentionScoring {
    switch self {
    case .dot: return .dot
    case .scaledDot: return .scaledDot
    }
  }
}
