import Tensors
import CPangoCairo
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh folder under /tmp, removed by the caller with `removeFolder`.
func makeScratchFolder() -> String {
  var template = Array("/tmp/heatmaps-tests-XXXXXX".utf8CString)
  let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
  return path
}

func removeFolder(_ path: String) {
  if let directory = opendir(path) {
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { unlink(path + "/" + name) }
    }
    closedir(directory)
  }
  rmdir(path)
}

func folderEntries(_ path: String) -> [String] {
  var names: [String] = []
  if let directory = opendir(path) {
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    closedir(directory)
  }
  return names.sorted()
}

func readBytes(_ path: String) -> [UInt8] {
  guard let file = fopen(path, "rb") else { return [] }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = fread(&buffer, 1, buffer.count, file)
    if count == 0 { break }
    bytes += buffer[0..<count]
  }
  return bytes
}

/// A PNG read back with Cairo's own reader: its size and its pixels as bytes.
struct DecodedPNG {
  var width: Int
  var height: Int
  private var pixels: [UInt32]

  init?(path: String) {
    let surface = cairo_image_surface_create_from_png(path)!
    defer { cairo_surface_destroy(surface) }
    guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS else { return nil }
    width = Int(cairo_image_surface_get_width(surface))
    height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let data = cairo_image_surface_get_data(surface)!.withMemoryRebound(
      to: UInt32.self, capacity: stride * height
    ) {
      $0
    }
    var pixels = [UInt32](repeating: 0, count: width * height)
    for y in 0..<height {
      for x in 0..<width { pixels[y * width + x] = data[y * stride + x] }
    }
    self.pixels = pixels
  }

  /// The colour at a pixel as (red, green, blue) bytes.
  func rgb(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
    let pixel = pixels[y * width + x]
    return (UInt8(pixel >> 16 & 0xFF), UInt8(pixel >> 8 & 0xFF), UInt8(pixel & 0xFF))
  }
}

@Suite struct RenderTests {
  @Test func pngHasTheFigureSizeAndEachCellItsColormapColour() throws {
    let folder = makeScratchFolder()
    defer { removeFolder(folder) }
    // Odd sizes, values spread beyond 0...1, two panels sharing one scale.
    var matrices = randomTensor([1, 2, 7, 11], in: -3...5, seed: 42)
    matrices.scalars[5] = .nan
    let figure = try HeatmapFigure(
      matrices: matrices, xlabel: "Keys", ylabel: "Queries", figsize: FigureSize(width: 9.3, height: 4.1),
      dpi: 87)
    let path = folder + "/figure.png"
    let layout = try renderFigure(figure, to: path)
    let image = try #require(DecodedPNG(path: path))
    #expect(image.width == Int(9.3 * 87) && image.height == Int(4.1 * 87))
    let finite = matrices.scalars.filter(\.isFinite)
    let lower = Double(finite.min()!)
    let upper = Double(finite.max()!)
    let scale = 87.0 / 72
    for panel in layout.panels {
      let cellWidth = panel.frame.width / 11
      let cellHeight = panel.frame.height / 7
      for i in 0..<7 {
        for j in 0..<11 {
          let value = matrices[0, panel.column, i, j]
          let x = Int(((panel.frame.minX + (Double(j) + 0.5) * cellWidth) * scale).rounded(.down))
          let y = Int(((panel.frame.minY + (Double(i) + 0.5) * cellHeight) * scale).rounded(.down))
          let pixel = image.rgb(x: x, y: y)
          if value.isNaN {
            #expect(pixel.0 == pixel.1 && pixel.1 == pixel.2, "missing cell drawn in a neutral grey")
            continue
          }
          // Reference: matplotlib's Normalize then the colormap's floor(x · 256) entry.
          let normalized = (Double(value) - lower) / (upper - lower)
          let entry = min(max(Int((normalized * 256).rounded(.down)), 0), 255)
          let expected = figure.colormap.table[entry].bytes
          #expect(pixel == expected, "cell (\(i), \(j)) of panel \(panel.column)")
        }
      }
    }
  }

  @Test func perPanelScalesColourEachPanelByItsOwnRange() throws {
    let folder = makeScratchFolder()
    defer { removeFolder(folder) }
    // The second panel is ten times the first: shared, it would be all dark.
    var matrices = randomTensor([1, 2, 5, 5], seed: 8)
    for index in 25..<50 { matrices.scalars[index] *= 10 }
    let figure = try HeatmapFigure(
      matrices: matrices, figsize: FigureSize(width: 8, height: 4), colorScale: .perPanel)
    let path = folder + "/per-panel.png"
    let layout = try renderFigure(figure, to: path)
    let image = try #require(DecodedPNG(path: path))
    for panel in layout.panels {
      let values = (0..<25).map { matrices.scalars[panel.column * 25 + $0] }
      let (lower, upper) = (Double(values.min()!), Double(values.max()!))
      #expect(panel.valueRange == ValueRange(lower: lower, upper: upper))
      for cell in 0..<25 {
        let (i, j) = (cell / 5, cell % 5)
        let x = Int(
          ((panel.frame.minX + (Double(j) + 0.5) * panel.frame.width / 5) * 100 / 72).rounded(.down))
        let y = Int(
          ((panel.frame.minY + (Double(i) + 0.5) * panel.frame.height / 5) * 100 / 72).rounded(.down))
        let entry = min(Int(((Double(values[cell]) - lower) / (upper - lower) * 256).rounded(.down)), 255)
        #expect(image.rgb(x: x, y: y) == figure.colormap.table[entry].bytes)
      }
    }
  }

  @Test func vectorFilesStartWithTheirMagicAndNameTheirLabels() throws {
    let folder = makeScratchFolder()
    defer { removeFolder(folder) }
    let figure = try HeatmapFigure(
      matrices: randomTensor([1, 2, 4, 6], seed: 3), xlabel: "Keys", ylabel: "Queries",
      titles: ["Head 1", "Head 2"])
    for (format, magic) in [(OutputFormat.svg, "<?xml"), (.pdf, "%PDF-")] {
      let path = folder + "/figure." + format.rawValue
      try renderFigure(figure, to: path)
      let bytes = readBytes(path)
      #expect(bytes.starts(with: Array(magic.utf8)), "\(format)")
      let text = String(decoding: bytes, as: UTF8.self)
      for word in ["Keys", "Queries", "Head 1", "Head 2"] {
        #expect(text.contains(word), "\(format): \(word)")
      }
      if format == .svg {
        #expect(text.contains("<svg") && text.contains("</svg>"))
        #expect(text.contains("width=\"180pt\""))
        #expect(text.contains("image-rendering: pixelated"))
        // 6 cells across become 996 pixels (166 a cell), so viewers that smooth
        // images anyway blur only a sliver of each cell.
        #expect(text.contains("width=\"996\" height=\"664\""), "panel images enlarged by whole pixels")
      } else {
        #expect(text.contains("%%EOF"))
        #expect(text.contains("/Interpolate false"), "cells stay crisp when viewers zoom")
      }
    }
    // The format argument wins over the extension.
    let forced = folder + "/figure.bin"
    try renderFigure(figure, to: forced, format: .svg)
    #expect(readBytes(forced).starts(with: Array("<?xml".utf8)))
  }

  @Test func writesAtomicallyAndNamesThePathWhenItCannot() throws {
    let folder = makeScratchFolder()
    defer { removeFolder(folder) }
    let figure = try HeatmapFigure(matrices: .eye(4))
    let path = folder + "/eye.png"
    // An existing file is replaced as a whole, and no temporary file stays.
    [UInt8]("old".utf8).withUnsafeBytes { bytes in
      let file = fopen(path, "wb")!
      fwrite(bytes.baseAddress, 1, bytes.count, file)
      fclose(file)
    }
    try renderFigure(figure, to: path)
    #expect(readBytes(path).starts(with: [0x89, 0x50, 0x4E, 0x47]))
    #expect(folderEntries(folder) == ["eye.png"])
    let missing = folder + "/no/such/folder/eye.png"
    do {
      try renderFigure(figure, to: missing)
      Issue.record("no error for a missing folder")
    } catch {
      guard case .writeFailed(let failedPath, _) = error else { throw error }
      #expect(failedPath == missing)
      #expect(error.description.hasPrefix(missing + ": "))
      #expect(error.description.contains("no such folder \"\(folder)/no/such/folder\""))
    }
    #expect(throws: HeatmapError.unknownFormat(path: folder + "/eye.gif", fileExtension: "gif")) {
      try renderFigure(figure, to: folder + "/eye.gif")
    }
    #expect(folderEntries(folder) == ["eye.png"])
  }

  @Test func chineseLabelsRenderAsGlyphsNotBoxes() throws {
    // Pango draws a missing glyph as a hex box whose ink is wider than the
    // glyph's; with the CJK fallback each character is one em wide.
    let measurer = PangoTextMeasurer()
    let keys = measurer.metrics(of: "键", fontSize: 10)
    let queries = measurer.metrics(of: "查询", fontSize: 10)
    #expect(abs(keys.width - 10) < 0.5)
    #expect(abs(queries.width - 20) < 1)
    let figure = try HeatmapFigure(matrices: .eye(5), xlabel: "键", ylabel: "查询")
    let (bytes, layout) = try renderFigureData(figure, format: .png)
    #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    #expect(layout.panels[0].xlabel?.string == "键")
  }
}

@Suite struct RobustnessTests {
  static let shapes: [([Int], FigureSize)] = [
    ([1, 1], FigureSize(width: 2.5, height: 2.5)),
    ([1, 300], FigureSize(width: 6, height: 2)),
    ([300, 1], FigureSize(width: 2, height: 6)),
    ([12, 12, 3, 3], FigureSize(width: 5, height: 5)),
    ([2, 2, 8, 8], FigureSize(width: 0.3, height: 0.3)),
    ([3, 17], FigureSize(width: 40, height: 1)),
  ]

  @Test(arguments: shapes.indices)
  func oddShapesAndSizesRender(index: Int) throws {
    let (shape, figsize) = Self.shapes[index]
    let figure = try HeatmapFigure(
      matrices: randomTensor(shape, seed: UInt64(index)), xlabel: "Keys", ylabel: "Queries", titles: nil,
      figsize: figsize, annotate: true)
    let (bytes, layout) = try renderFigureData(figure, format: .png)
    let image = try #require(decodePNG(bytes))
    #expect(
      image.width == Int(figsize.width * 100 + 1e-6) && image.height == Int(figsize.height * 100 + 1e-6))
    #expect(layout.panels.count == (shape.count == 4 ? shape[0] * shape[1] : 1))
    for panel in layout.panels { #expect(panel.frame.width > 0 && panel.frame.height > 0) }
  }

  @Test func oversizedPNGIsAnErrorNotACrash() throws {
    let folder = makeScratchFolder()
    defer { removeFolder(folder) }
    let figure = try HeatmapFigure(matrices: .eye(3), figsize: FigureSize(width: 1e12, height: 3))
    #expect(throws: HeatmapError.self) { try renderFigure(figure, to: folder + "/huge.png") }
    #expect(folderEntries(folder).isEmpty)
  }
}

/// PNG bytes read back through a scratch file and Cairo's reader.
func decodePNG(_ bytes: [UInt8]) -> DecodedPNG? {
  let folder = makeScratchFolder()
  defer { removeFolder(folder) }
  let path = folder + "/image.png"
  guard let file = fopen(path, "wb") else { return nil }
  _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
  fclose(file)
  return DecodedPNG(path: path)
}
