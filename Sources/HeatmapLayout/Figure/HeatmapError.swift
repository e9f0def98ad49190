/// A figure that cannot be drawn as asked, or a file that cannot be written.
public enum HeatmapError: Error, CustomStringConvertible, Equatable {
  /// The matrices are not 2-D (H, W), 3-D (cols, H, W) or 4-D (rows, cols, H, W).
  case unsupportedRank(shape: [Int])
  /// The matrices hold no cells.
  case emptyMatrices(shape: [Int])
  /// The number of column titles differs from the number of columns.
  case titleCount(titles: Int, columns: Int)
  /// The number of row titles differs from the number of rows.
  case rowTitleCount(titles: Int, rows: Int)
  /// The number of panel titles differs from the number of panels.
  case panelTitleCount(titles: Int, panels: Int)
  /// The number of x tick labels differs from the width of the matrices.
  /// `cellTexts` are not one per cell.
  case cellTextCount(texts: Int, cells: Int)
  case xTickLabelCount(labels: Int, width: Int)
  /// The number of y tick labels differs from the height of the matrices.
  case yTickLabelCount(labels: Int, height: Int)
  /// A side of the figure is zero, negative or not finite.
  case invalidFigureSize(width: Double, height: Double)
  /// The resolution is zero, negative or not finite.
  case invalidDPI(Double)
  /// A colour limit is NaN or infinite.
  case nonFiniteLimit(name: String, value: Float)
  /// The lower colour limit is not below the upper one.
  case invalidLimits(vmin: Float, vmax: Float)
  /// The file name's extension names no format we write.
  case unknownFormat(path: String, fileExtension: String)
  /// Drawing or writing the file failed.
  case writeFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .unsupportedRank(let shape):
      return "matrices of shape \(shape) have rank \(shape.count); expected 2 (H, W), "
        + "3 (cols, H, W) or 4 (rows, cols, H, W)"
    case .emptyMatrices(let shape):
      return "matrices of shape \(shape) hold no cells"
    case .titleCount(let titles, let columns):
      return "\(titles) \(plural(titles, "title")) for \(columns) \(plural(columns, "column"))"
    case .rowTitleCount(let titles, let rows):
      return "\(titles) row \(plural(titles, "title")) for \(rows) \(plural(rows, "row"))"
    case .panelTitleCount(let titles, let panels):
      return "\(titles) panel \(plural(titles, "title")) for \(panels) \(plural(panels, "panel"))"
    case .cellTextCount(let texts, let cells):
      return "\(texts) cell \(plural(texts, "text")) for \(cells) \(plural(cells, "cell"))"
    case .xTickLabelCount(let labels, let width):
      return "\(labels) x tick \(plural(labels, "label")) for matrices \(width) "
        + "\(plural(width, "column")) wide"
    case .yTickLabelCount(let labels, let height):
      return "\(labels) y tick \(plural(labels, "label")) for matrices \(height) "
        + "\(plural(height, "row")) high"
    case .invalidFigureSize(let width, let height):
      return "figure size \(width)×\(height) inches: both sides must be positive and finite"
    case .invalidDPI(let dpi):
      return "dpi \(dpi): must be positive and finite"
    case .nonFiniteLimit(let name, let value):
      return "\(name) \(value): colour limits must be finite"
    case .invalidLimits(let vmin, let vmax):
      return "vmin \(vmin) must be less than vmax \(vmax)"
    case .unknownFormat(let path, let fileExtension):
      let shown = fileExtension.isEmpty ? "no extension" : "extension '.\(fileExtension)'"
      return "\(path): \(shown) names no output format; use .png, .svg, .pdf or .html"
    case .writeFailed(let path, let reason):
      return "\(path): \(reason)"
    }
  }
}

private func plural(_ count: Int, _ noun: String) -> String {
  count == 1 ? noun : noun + "s"
}
