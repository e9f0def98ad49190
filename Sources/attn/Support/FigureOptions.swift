import ArgumentParser
import AttentionCore
import AttentionFigures
import Heatmaps

/// The drawing options shared by every command that makes a figure.
struct FigureOptions: ParsableArguments {
  @Option(help: "Label under the bottom row of panels.")
  var xlabel: String?

  @Option(help: "Label left of the first column of panels.")
  var ylabel: String?

  @Option(help: "Column titles, comma-separated, one per column.")
  var titles: String?

  @Option(help: "Row titles, comma-separated, one per row (e.g. Layer 1,Layer 2).")
  var rowTitles: String?

  @Option(
    help:
      "Colormap: \(Colormap.names.filter { !$0.hasSuffix("_r") }.joined(separator: ", ")), each also with _r."
  )
  var cmap: String = "Reds"

  @Option(help: "Figure size in inches, W,H (the whole figure, as matplotlib's figsize).")
  var figsize: String?

  @Option(help: "Pixels per inch of PNG output.")
  var dpi: Double = 100

  @Option(help: "Value drawn with the lowest colour (default: the smallest value of all panels).")
  var vmin: Float?

  @Option(help: "Value drawn with the highest colour (default: the largest value of all panels).")
  var vmax: Float?

  @Flag(help: "Give each panel its own colour scale instead of one shared scale.")
  var perPanelScale = false

  @Flag(help: "Write each cell's value in the cell.")
  var annotate = false

  @Option(help: "Labels of the columns of each matrix, comma-separated (e.g. tokens).")
  var xticklabels: String?

  @Option(help: "Labels of the rows of each matrix, comma-separated.")
  var yticklabels: String?

  /// The figure these options describe for `matrices`, with defaults for
  /// labels the options leave unset.
  func figure(
    for matrices: Tensor, defaultXLabel: String? = nil, defaultYLabel: String? = nil
  ) throws -> HeatmapFigure {
    try HeatmapFigure(
      matrices: matrices,
      xlabel: xlabel ?? defaultXLabel,
      ylabel: ylabel ?? defaultYLabel,
      titles: titles.map(splitList),
      rowTitles: rowTitles.map(splitList),
      figsize: try figsize.map(parseFigureSize) ?? .d2lDefault,
      dpi: dpi,
      colormap: try Colormap.named(cmap),
      vmin: vmin,
      vmax: vmax,
      colorScale: perPanelScale ? .perPanel : .shared,
      annotate: annotate,
      xTickLabels: xticklabels.map(splitList),
      yTickLabels: yticklabels.map(splitList)
    )
  }
}

extension FigureOptions {
  /// The `--figsize` given, if any.
  func figureSize() throws -> FigureSize? {
    try figsize.map(parseFigureSize)
  }

  /// Sets on `figure` what these options give, keeping the rest as the
  /// figure's maker chose it (its size is the maker's: pass `figureSize()`).
  func restyle(_ figure: inout HeatmapFigure) throws {
    if let xlabel { figure.xlabel = xlabel }
    if let ylabel { figure.ylabel = ylabel }
    if let titles { try figure.setTitles(splitList(titles)) }
    if let rowTitles { try figure.setRowTitles(splitList(rowTitles)) }
    try figure.setTickLabels(
      x: xticklabels.map(splitList) ?? figure.xTickLabels, y: yticklabels.map(splitList) ?? figure.yTickLabels
    )
    try figure.setSize(figure.figsize, dpi: dpi)
    figure.colormap = try Colormap.named(cmap)
    try figure.setLimits(vmin: vmin, vmax: vmax)
    figure.annotate = annotate
  }

  /// `restyle` for a figure of differences: RdBu_r unless --cmap chooses,
  /// and limits symmetric about 0 unless --vmin or --vmax set them.
  func restyleAsDifference(_ figure: inout HeatmapFigure) throws {
    try restyle(&figure)
    if vmin == nil && vmax == nil {
      try figure.useDifferenceScale(colormap: cmap == "Reds" ? Colormap.rdBu.reversed() : nil)
    } else if cmap == "Reds" {
      figure.colormap = Colormap.rdBu.reversed()
    }
  }

  /// One colour scale for all panels, or one each with `--per-panel-scale`.
  var colorScale: ColorScale { perPanelScale ? .perPanel : .shared }
}

/// Splits a comma-separated option value; `\,` keeps a literal comma.
func splitList(_ text: String) -> [String] {
  var items: [String] = []
  var current = ""
  var escaped = false
  for character in text {
    if escaped {
      current.append(character)
      escaped = false
    } else if character == "\\" {
      escaped = true
    } else if character == "," {
      items.append(current)
      current = ""
    } else {
      current.append(character)
    }
  }
  items.append(current)
  return items
}

func parseFigureSize(_ text: String) throws -> FigureSize {
  let parts = text.split(separator: ",", omittingEmptySubsequences: false)
  guard parts.count == 2, let width = Double(parts[0]), let height = Double(parts[1]) else {
    throw CommandError("--figsize \"\(text)\": expected W,H in inches, e.g. 5,3")
  }
  guard width > 0, height > 0, width.isFinite, height.isFinite else {
    throw CommandError("--figsize \"\(text)\": width and height must be positive")
  }
  return FigureSize(width: width, height: height)
}
