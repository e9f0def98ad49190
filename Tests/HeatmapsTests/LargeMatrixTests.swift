import Tensors
import CPangoCairo
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// Matrices wider or taller than Cairo's images (32767 pixels a side), as
/// long contexts give: their panels are drawn from images no larger than
/// the pixels they cover, each pixel the average of the cells under it.
@Suite struct LargeMatrixTests {
  static let cases: [(shape: [Int], figsize: FigureSize)] = [
    ([3, 40_000], FigureSize(width: 40, height: 1.5)),
    ([40_000, 2], FigureSize(width: 1.5, height: 40)),
  ]

  @Test(arguments: cases.indices)
  func renderToEveryFormatWithImagesTheSizeOfThePanel(index: Int) throws {
    let (shape, figsize) = Self.cases[index]
    let figure = try HeatmapFigure(matrices: randomTensor(shape, seed: UInt64(index)), figsize: figsize)
    let (png, layout) = try renderFigureData(figure, format: .png)
    let image = try #require(decodePNG(png))
    #expect(image.width == Int(figsize.width * 100) && image.height == Int(figsize.height * 100))
    // In vector files the panel's image has the pixels a PNG at the figure's
    // dpi would give it, and no more cells than the matrix has.
    let frame = layout.panels[0].frame
    let expected = (
      columns: min(shape[1], max(1, Int((frame.width * 100 / 72).rounded()))),
      rows: min(shape[0], max(1, Int((frame.height * 100 / 72).rounded())))
    )
    #expect(expected.columns < shape[1] || expected.rows < shape[0], "the panel has fewer pixels than cells")
    let (svg, _) = try renderFigureData(figure, format: .svg)
    let svgText = String(decoding: svg, as: UTF8.self)
    #expect(
      svgText.contains(
        "width=\"\(expected.columns)\" height=\"\(expected.rows)\" xlink:href=\"data:image/png"),
      "\(expected)")
    let (pdf, _) = try renderFigureData(figure, format: .pdf)
    let pdfText = String(decoding: pdf, as: UTF8.self)
    // Cairo pads a PDF image by some pixels to draw its edges as PAD asks.
    let pdfImages = pdfImageSizes(pdfText)
    #expect(
      pdfImages.contains {
        (expected.columns...(expected.columns + 16)).contains($0.width)
          && (expected.rows...(expected.rows + 16)).contains($0.height)
      }, "PDF images \(pdfImages)")
    #expect(pdfText.contains("%%EOF"))
  }

  /// A PNG pixel inside a panel of 160 × 40,000 cells is the average of the
  /// cells it covers, each painted with its colormap entry.
  @Test func pngPixelsAverageTheCellsUnderThem() throws {
    let (rows, columns) = (160, 40_000)
    let matrix = randomTensor([rows, columns], seed: 7)
    let figure = try HeatmapFigure(matrices: matrix, figsize: FigureSize(width: 30, height: 1.2))
    let (png, layout) = try renderFigureData(figure, format: .png)
    let image = try #require(decodePNG(png))
    let scale = 100.0 / 72
    let frame = layout.panels[0].frame
    let left = Int((frame.minX * scale).rounded())
    let top = Int((frame.minY * scale).rounded())
    let pixelColumns = Int((frame.maxX * scale).rounded()) - left
    let pixelRows = Int((frame.maxY * scale).rounded()) - top
    #expect(pixelColumns > 100 && pixelColumns < columns && pixelRows > 4 && pixelRows < rows)
    let range = layout.panels[0].valueRange
    // Pixels away from the spines, which are drawn over the image's edge.
    for (x, y) in [(2, 2), (pixelColumns / 2, pixelRows / 2), (pixelColumns - 3, pixelRows - 3)] {
      let cellRows = (y * rows / pixelRows)..<((y + 1) * rows / pixelRows)
      let cellColumns = (x * columns / pixelColumns)..<((x + 1) * columns / pixelColumns)
      var sums = (0, 0, 0)
      for i in cellRows {
        for j in cellColumns {
          let normalized = (Double(matrix[i, j]) - range.lower) / (range.upper - range.lower)
          let entry = min(max(Int((normalized * 256).rounded(.down)), 0), 255)
          let (red, green, blue) = figure.colormap.table[entry].bytes
          sums = (sums.0 + Int(red), sums.1 + Int(green), sums.2 + Int(blue))
        }
      }
      let count = Double(cellRows.count * cellColumns.count)
      let pixel = image.rgb(x: left + x, y: top + y)
      for (drawn, sum) in [(pixel.0, sums.0), (pixel.1, sums.1), (pixel.2, sums.2)] {
        #expect(abs(Double(drawn) - Double(sum) / count) <= 1, "pixel (\(x), \(y)) of \(count) cells")
      }
    }
  }

  /// Averages are taken over premultiplied colours, so a missing
  /// (transparent) cell lets the hatch under the image show in proportion.
  @Test func cellImageAveragesPremultipliedColours() throws {
    let (cellRows, cellColumns, rows, columns) = (7, 10, 3, 4)
    // Opaque colours that differ from cell to cell, and one missing cell.
    var colors: [UInt32] = []
    for index in 0..<(cellRows * cellColumns) {
      let red = UInt32(index * 3)
      let green = UInt32(255 - index)
      let blue = UInt32(index % 7 * 30)
      colors.append(index == 12 ? 0 : 0xFF00_0000 | red << 16 | green << 8 | blue)
    }
    let surface = try #require(
      CellImage.make(
        columns: columns, rows: rows, cellColumns: cellColumns, cellRows: cellRows,
        cell: { row, column in colors[row * cellColumns + column] }))
    defer { cairo_surface_destroy(surface) }
    #expect(cairo_image_surface_get_width(surface) == 4 && cairo_image_surface_get_height(surface) == 3)
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let pixels = UnsafeRawPointer(cairo_image_surface_get_data(surface)!).assumingMemoryBound(to: UInt32.self)
    for y in 0..<rows {
      for x in 0..<columns {
        var cells: [UInt32] = []
        for i in (y * cellRows / rows)..<((y + 1) * cellRows / rows) {
          for j in (x * cellColumns / columns)..<((x + 1) * cellColumns / columns) {
            cells.append(colors[i * cellColumns + j])
          }
        }
        for shift: UInt32 in [24, 16, 8, 0] {
          let sum = cells.reduce(0) { $0 + Int($1 >> shift & 0xFF) }
          let mean = Double(sum) / Double(cells.count)
          let drawn = Double(pixels[y * stride + x] >> shift & 0xFF)
          #expect(abs(drawn - mean) <= 0.5, "pixel (\(x), \(y)), bits from \(shift)")
        }
      }
    }
  }
}

/// The `/Width` and `/Height` of each image of a PDF, in order.
private func pdfImageSizes(_ pdf: String) -> [(width: Int, height: Int)] {
  func numbers(after key: String) -> [Int] {
    pdf.components(separatedBy: key).dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
  }
  return Array(zip(numbers(after: "/Width "), numbers(after: "/Height "))).map { ($0, $1) }
}
