import ArgumentParser
import AttentionCore
import AttentionFigures
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

      --scoring additive scores with d2l's AdditiveAttention, \
      w_v · tanh(W_q q + W_k k); queries and keys may then differ in width \
      (Dq, Dk). Its weights come from --params P.npz holding W_q [Dq, h], \
      W_k [Dk, h] and w_v [h, 1], or are drawn as PyTorch initialises \
      nn.Linear (uniform on ±1/√in) with --num-hiddens h and --seed S, in the \
      order W_q, W_k, w_v.

      --heads N splits 3-D inputs into N heads, as d2l's transpose_qkv. On its \
      own it splits the features as they are (D and Dv divisible by N), each \
      head scored by dot or scaled dot (√(D/N)), and the heads' outputs are \
      concatenated: output [B, Lq, Dv]. With --params P.npz holding W_q [Dq, h], \
      W_k [Dk, h], W_v [Dv, h] and W_o [h, h], or with --num-hiddens h and --seed S \
      (drawn in that order), it runs d2l's MultiHeadAttention: output [B, Lq, h]. \
      The weights are [B, N, Lq, Lk], drawn as a grid: a row per batch element, \
      a column per head.

      Weight matrices are [in, out], so a projection is x @ W: export PyTorch's \
      linear.weight.T (e.g. np.savez("p.npz", W_q=m.W_q.weight.T.numpy(), ...)).
      """
  )

  @Option(help: "Queries, [B, Lq, D] (.npy, .npz, .csv or .json).")
  var queries: String

  @Option(help: "Keys, [B, Lk, D].")
  var keys: String

  @Option(help: "Values, [B, Lk, Dv].")
  var values: String

  @Option(help: "Scoring function: dot, scaled-dot (dot / √D) or additive (learned; see --params).")
  var scoring: ScoringChoice = .scaledDot

  @Option(help: "Split the features of 3-D queries, keys and values into N heads.")
  var heads: Int?

  @Option(
    help: """
      Learned weights (.npz): W_q, W_k, w_v for --scoring additive; W_q, W_k, W_v, W_o \
      for --heads. Each [in, out].
      """)
  var params: String?

  @Option(
    help: "Hidden width h of weights drawn afresh (PyTorch's nn.Linear initialisation), without --params.")
  var numHiddens: Int?

  @Option(help: "Seed of the weights drawn for --num-hiddens, as torch.manual_seed (default 0).")
  var seed: UInt64?

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

  @Option(help: "Draw the attention weights to this figure (.png, .svg, .pdf, .html).")
  var plot: String?

  @OptionGroup var figureOptions: FigureOptions

  func validate() throws {
    if let heads, heads < 1 {
      throw ValidationError("--heads \(heads): the number of heads must be at least 1")
    }
    if let numHiddens, numHiddens < 1 {
      throw ValidationError("--num-hiddens \(numHiddens): the hidden width must be at least 1")
    }
    if params != nil, numHiddens != nil {
      throw ValidationError("--params and --num-hiddens both give the weights; choose one")
    }
    if seed != nil, numHiddens == nil {
      throw ValidationError("--seed seeds the weights drawn for --num-hiddens; give --num-hiddens too")
    }
    let learned = params != nil || numHiddens != nil
    switch (scoring, heads) {
    case (.additive, .some):
      throw ValidationError("--heads runs dot-product heads; it does not combine with --scoring additive")
    case (.additive, nil) where !learned:
      throw ValidationError("--scoring additive needs its weights: --params P.npz or --num-hiddens H")
    case (.dot, .some) where learned:
      throw ValidationError(
        "multi-head attention with learned weights scores by scaled dot product; drop --scoring dot")
    case (.dot, nil) where learned, (.scaledDot, nil) where learned:
      throw ValidationError("--params and --num-hiddens are for --scoring additive or --heads")
    default:
      break
    }
  }

  func run() throws {
    let inputs = "\(queries), \(keys), \(values)"
    let queryTensor = try TensorFile.read(contentsOf: queries)
    let keyTensor = try TensorFile.read(contentsOf: keys)
    let valueTensor = try TensorFile.read(contentsOf: values)
    let lengths = try validLens.map { try parseLengths($0) }
    let method = try attentionMethod(queries: queryTensor, keys: keyTensor, values: valueTensor)
    // Errors of learned weights name the weights file too: either side may be the wrong one.
    let named = params.map { "\($0), \(inputs)" } ?? inputs
    let mask = AttentionMask(validLengths: lengths, causal: causal)
    let (output, attentionWeights) = try naming(named) {
      try method.attend(queries: queryTensor, keys: keyTensor, values: valueTensor, mask: mask)
    }
    let figure = try plot.map { plotPath in
      try naming(plotPath) {
        var figure = try attentionWeightsFigure(attentionWeights, headsAcross: heads != nil)
        try figure.setSize(figureOptions.figureSize() ?? .d2lDefault, dpi: figure.dpi)
        figure.colorScale = figureOptions.colorScale
        try figureOptions.restyle(&figure)
        return figure
      }
    }
    let destinations = [out] + [weights, plot].compactMap { $0 }
    try checkWritable(destinations)
    try TensorFile.write(output, to: out)
    if let weights {
      try TensorFile.write(attentionWeights, to: weights)
    }
    if let plot, let figure {
      _ = try naming(plot) { try renderFigure(figure, to: plot) }
    }
  }

  /// The attention the options ask for, with its weights loaded or drawn.
  private func attentionMethod(queries: Tensor, keys: Tensor, values: Tensor) throws -> any AttentionMethod {
    if let heads, ![[3, 3, 3], [2, 2, 2]].contains([queries.rank, keys.rank, values.rank]) {
      throw CommandError(
        "\(self.queries), \(self.keys), \(self.values): --heads \(heads) splits [B, L, D] inputs; "
          + "got queries \(queries.shape), keys \(keys.shape), values \(values.shape)")
    }
    let widths = (query: queries.shape.last ?? 0, key: keys.shape.last ?? 0, value: values.shape.last ?? 0)
    switch (scoring.scoring, heads) {
    case (let scoring?, nil):
      return DotProductAttention(scoring: scoring)
    case (nil, _):
      if let params {
        let arrays = try loadArrays(["W_q", "W_k", "w_v"], layout: "W_q [Dq, h], W_k [Dk, h], w_v [h, 1]")
        return try naming(params) {
          try AdditiveAttention(queryWeight: arrays[0], keyWeight: arrays[1], scoreWeight: arrays[2])
        }
      }
      return try AdditiveAttention(
        keySize: widths.key, querySize: widths.query, numHiddens: numHiddens ?? 0, seed: seed ?? 0)
    case (let scoring?, let heads?):
      if let params {
        let arrays = try loadArrays(
          ["W_q", "W_k", "W_v", "W_o"], layout: "W_q [Dq, h], W_k [Dk, h], W_v [Dv, h], W_o [h, h]")
        return try naming(params) {
          try MultiHeadAttention(
            numHeads: heads, queryWeight: arrays[0], keyWeight: arrays[1], valueWeight: arrays[2],
            outputWeight: arrays[3])
        }
      }
      if let numHiddens {
        return try naming("--num-hiddens \(numHiddens)") {
          try MultiHeadAttention(
            numHiddens: numHiddens, numHeads: heads, querySize: widths.query, keySize: widths.key,
            valueSize: widths.value, seed: seed ?? 0)
        }
      }
      return DotProductAttention(scoring: scoring, heads: heads)
    }
  }

  /// The arrays `names` of the `--params` archive, in that order.
  private func loadArrays(_ names: [String], layout: String) throws -> [Tensor] {
    guard let params else { return [] }
    guard params.lowercased().hasSuffix(".npz") else {
      throw CommandError("\(params): --params takes a .npz archive of named arrays (\(layout))")
    }
    let archive = try TensorFile.readArchive(contentsOf: params)
    return try names.map { name in
      guard let array = archive.first(where: { $0.name == name }) else {
        let found = archive.map(\.name).joined(separator: ", ")
        throw CommandError("\(params): no array named \(name) (found \(found)); expected \(layout)")
      }
      return array.tensor
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
  case additive

  /// The fixed scoring function, or `nil` for learned (additive) scoring.
  var scoring: AttentionScoring? {
    switch self {
    case .dot: return .dot
    case .scaledDot: return .scaledDot
    case .additive: return nil
    }
  }
}
