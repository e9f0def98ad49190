/// A file format the Cairo renderer writes.
public enum OutputFormat: String, Sendable, CaseIterable {
  /// A raster image of `figsize × dpi` pixels.
  case png
  /// Scalable vector graphics, sized in points; text as glyph outlines.
  case svg
  /// A one-page PDF, sized in points; text as embedded font subsets.
  case pdf

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
