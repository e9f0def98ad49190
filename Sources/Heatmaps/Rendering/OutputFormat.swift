/// A file format a figure is written in.
public enum OutputFormat: String, Sendable, CaseIterable {
  /// A raster image of `figsize × dpi` pixels.
  case png
  /// Scalable vector graphics, sized in points; text as glyph outlines.
  case svg
  /// A one-page PDF, sized in points; text as embedded font subsets.
  case pdf
  /// One self-contained HTML page that draws the figure with inline
  /// JavaScript: hover for values, enlarge a panel, choose rows and columns,
  /// a head view, light and dark themes.
  case html

  /// The format named by the extension of `path`, in any letter case.
  ///
  /// - Throws: `HeatmapError.unknownFormat` naming the path and its extension.
  public init(path: String) throws(HeatmapError) {
    let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    let fileExtension: String
    if let dot = name.lastIndex(of: "."), dot != name.startIndex {
      fileExtension = String(name[name.index(after: dot)...])
    } else {
      fileExtension = ""
    }
    guard let format = OutputFormat(rawValue: fileExtension.lowercased()) else {
      throw .unknownFormat(path: path, fileExtension: fileExtension)
    }
    self = format
  }
}
