import ArgumentParser
import AttentionCore
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO

struct Demo: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw the figures of the attention-cues chapter.",
    discussion: """
      eye: the identity attention of torch.eye(10), each query on its own key. \
      softmax: softmax over each row of torch.manual_seed(42); torch.randn(10, 10). \
      cues: a desk with five objects, attended without a query (salience alone) \
      and with the queries "red cup" and "something to read". Each figure is \
      written beside the .npy of the matrix it draws.
      """
  )

  @Option(help: "Folder for the figures (created if missing).")
  var out: String = "out/demo"

  @Option(help: "Figure format: png, svg, pdf or html.")
  var format: DemoFormat = .png

  @Option(help: "Pixels per inch of PNG output.")
  var dpi: Double = 200

  @Option(help: "Language of the labels: en or zh.")
  var language: DemoLanguage = .en

  func run() throws {
    do {
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    } catch {
      throw CommandError("\(out): cannot create the folder (\(error.localizedDescription))")
    }
    for figure in try DemoFigure.all(language: language) {
      var heatmap = figure.heatmap
      try heatmap.setSize(heatmap.figsize, dpi: dpi)
      let base = (out as NSString).appendingPathComponent(figure.name)
      try TensorFile.write(figure.matrix, to: base + ".npy")
      try naming(base + "." + format.rawValue) {
        try renderFigure(heatmap, to: base + "." + format.rawValue)
      }
      print(base + "." + format.rawValue)
    }
  }
}

enum DemoFormat: String, ExpressibleByArgument, CaseIterable {
  case png, svg, pdf, html
}

enum DemoLanguage: String, ExpressibleByArgument, CaseIterable {
  case en, zh

  /// The axis labels of the figures: keys, queries, the desk's objects, cues.
  var labels: (keys: String, queries: String, objects: String, cues: String) {
    switch self {
    case .en: return ("Keys", "Queries", "Objects on the desk (keys)", "Cue")
    case .zh: return ("键", "查询", "桌上的物品（键）", "提示")
    }
  }
}

/// One figure of the demo: the matrix it draws and how it is drawn.
struct DemoFigure {
  let name: String
  let matrix: Tensor
  let heatmap: HeatmapFigure

  static func all(language: DemoLanguage) throws -> [DemoFigure] {
    let labels = language.labels
    // torch.eye(10).reshape((1, 1, 10, 10)): every query attends to its own key.
    let eye = Tensor.eye(10)
    // torch.manual_seed(42); F.softmax(torch.randn(10, 10), dim=1)
    let softmaxWeights = softmax(Tensor.randn([10, 10], seed: 42))
    let cues = try DeskScene().attention(language: language == .zh ? .chinese : .english)
    return [
      DemoFigure(
        name: "eye", matrix: eye,
        heatmap: try HeatmapFigure(matrices: eye, xlabel: labels.keys, ylabel: labels.queries)),
      DemoFigure(
        name: "softmax", matrix: softmaxWeights,
        heatmap: try HeatmapFigure(matrices: softmaxWeights, xlabel: labels.keys, ylabel: labels.queries)),
      DemoFigure(
        name: "cues", matrix: cues.weights,
        heatmap: try HeatmapFigure(
          matrices: cues.weights, xlabel: labels.objects, ylabel: labels.cues,
          figsize: FigureSize(width: 6, height: 3), annotate: true,
          xTickLabels: cues.objectNames, yTickLabels: cues.rowNames)),
    ]
  }
}
