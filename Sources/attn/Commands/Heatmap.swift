import ArgumentParser
import AttentionCore
import Foundation
import Heatmaps
import TensorIO

struct Heatmap: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw the matrices of a file as a grid of heatmaps.",
    discussion: """
      INPUT is .npy, .npz, .csv or .json. A 2-D array is one panel, a 3-D array \
      one row of panels, a 4-D array (rows, cols, H, W) the full grid. The format \
      of --out follows its extension (.png, .svg, .pdf, .html); without --out the figure \
      is previewed in the terminal.
      """
  )

  @Argument(help: "The array to draw (.npy, .npz, .csv or .json).")
  var input: String

  @Option(help: "Name of the array to draw from an .npz archive (default: the first).")
  var array: String?

  @Option(name: .shortAndLong, help: "Output file: .png, .svg, .pdf or .html.")
  var out: String?

  @Option(help: "Width of the terminal preview in columns (default: the terminal's).")
  var columns: Int?

  @OptionGroup var figureOptions: FigureOptions

  func run() throws {
    let matrices = try TensorFile.read(contentsOf: input, array: array)
    let figure = try naming(input) { try figureOptions.figure(for: matrices) }
    if let out {
      let format = try naming(out) { try OutputFormat(path: out) }
      let layout = try naming(out) { try renderFigure(figure, to: out, format: format) }
      reportNotes(layout.notes)
    } else {
      print(renderTerminalPreview(figure, columns: columns ?? terminalColumns()), terminator: "")
    }
  }
}

/// The width of the terminal on standard output, or 80 when it is not one.
func terminalColumns() -> Int {
  var size = winsize()
  if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
    return Int(size.ws_col)
  }
  if let fromEnvironment = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init),
    fromEnvironment > 0
  {
    return fromEnvironment
  }
  return 80
}

/// Tells the user, on standard error, what the layout left out or changed
/// (thinned tick labels, skipped annotations, missing values).
func reportNotes(_ notes: [String]) {
  for note in notes {
    FileHandle.standardError.write(Data("note: \(note)\n".utf8))
  }
}
