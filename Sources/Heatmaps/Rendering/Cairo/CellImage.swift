import CPangoCairo

/// The image a grid of cells is painted from, built at the size it is drawn
/// at rather than one pixel per cell, so that no matrix is too large for
/// Cairo's images (32767 pixels a side) or for memory.
///
/// Along each axis of `N` cells and `P` pixels, pixel `p` covers cells
/// `p·N/P ..< (p+1)·N/P`, both rounded down and at least one cell: with more
/// pixels than cells, each cell is repeated (whole pixels when `P` is a
/// multiple of `N`); with fewer, each pixel is the plain average of the
/// premultiplied ARGB32 colours of the cells under it, so missing cells,
/// which are transparent, let the hatch show through in proportion.
enum CellImage {
  /// An ARGB32 image surface of `columns × rows` pixels, or `nil` when Cairo
  /// cannot make one (then nothing is left to destroy).
  ///
  /// - Parameters:
  ///   - cellRows, cellColumns: the grid, `[H, W]`.
  ///   - cell: the colour of the cell at (row, column), as `CellColors` makes it.
  static func make(
    columns: Int, rows: Int, cellColumns: Int, cellRows: Int, cell: (_ row: Int, _ column: Int) -> UInt32
  ) -> OpaquePointer? {
    precondition(
      (1...32767).contains(columns) && (1...32767).contains(rows), "an image of \(columns)×\(rows)")
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(columns), Int32(rows))!
    guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS,
      let data = cairo_image_surface_get_data(surface)
    else {
      cairo_surface_destroy(surface)
      return nil
    }
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let pixels = UnsafeMutableRawPointer(data).bindMemory(to: UInt32.self, capacity: stride * rows)
    let columnSpans = (0..<columns).map { span(of: $0, pixels: columns, cells: cellColumns) }
    if columns >= cellColumns && rows >= cellRows {
      // Every pixel covers one cell.
      for y in 0..<rows {
        let row = span(of: y, pixels: rows, cells: cellRows).lowerBound
        for x in 0..<columns { pixels[y * stride + x] = cell(row, columnSpans[x].lowerBound) }
      }
    } else {
      // Sums of alpha, red, green and blue for each pixel of one image row.
      var sums = [Int](repeating: 0, count: 4 * columns)
      for y in 0..<rows {
        let cellRowSpan = span(of: y, pixels: rows, cells: cellRows)
        for index in sums.indices { sums[index] = 0 }
        for row in cellRowSpan {
          for x in 0..<columns {
            for column in columnSpans[x] {
              let color = cell(row, column)
              sums[4 * x] += Int(color >> 24)
              sums[4 * x + 1] += Int(color >> 16 & 0xFF)
              sums[4 * x + 2] += Int(color >> 8 & 0xFF)
              sums[4 * x + 3] += Int(color & 0xFF)
            }
          }
        }
        for x in 0..<columns {
          let count = cellRowSpan.count * columnSpans[x].count
          func mean(_ channel: Int) -> UInt32 { UInt32((sums[4 * x + channel] + count / 2) / count) }
          pixels[y * stride + x] = mean(0) << 24 | mean(1) << 16 | mean(2) << 8 | mean(3)
        }
      }
    }
    cairo_surface_mark_dirty(surface)
    return surface
  }

  /// The cells pixel `pixel` of `pixels` covers along an axis of `cells` cells.
  static func span(of pixel: Int, pixels: Int, cells: Int) -> Range<Int> {
    let first = pixel * cells / pixels
    return first..<max(first + 1, (pixel + 1) * cells / pixels)
  }
}
