import HeatmapLayout

extension Colormap {
  /// The lookup table as the pages carry it: six hex digits an entry, red,
  /// green and blue, the bytes the PNG renderer draws.
  package var hexTable: String {
    table.map { color in
      let (red, green, blue) = color.bytes
      return HTMLRenderer.hexByte(red) + HTMLRenderer.hexByte(green) + HTMLRenderer.hexByte(blue)
    }.joined()
  }
}
