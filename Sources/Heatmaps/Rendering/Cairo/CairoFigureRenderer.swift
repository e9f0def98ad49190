import CPangoCairo

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Draws a laid-out figure on a Cairo context in points: one drawing routine
/// for image, PDF and SVG surfaces.
struct CairoFigureRenderer {
  let figure: HeatmapFigure
  let layout: FigureLayout
  /// Device pixels per point on raster surfaces, where lines and images are
  /// aligned to the pixel grid; `nil` on vector surfaces.
  let pixelsPerPoint: Double?

  /// The light grey and the line colour of the hatch that marks missing cells.
  private let missingFill = (0.92, 0.92, 0.92)
  private let missingLines = (0.62, 0.62, 0.62)

  /// Draws the figure; `cr` maps points to the device.
  ///
  /// - Returns: `CAIRO_STATUS_NO_MEMORY` when an image could not be made,
  ///   else success; the surface's own status tells the rest.
  func draw(on cr: OpaquePointer) -> cairo_status_t {
    cairo_save(cr)
    defer { cairo_restore(cr) }
    cairo_set_source_rgb(cr, 1, 1, 1)
    cairo_paint(cr)
    let colors = CellColors(colormap: figure.colormap)
    let grid = figure.gridShape
    let drawn = figure.matrices.scalars.withUnsafeBufferPointer { scalars in
      let panelSize = grid.height * grid.width
      for panel in layout.panels {
        let start = (panel.row * grid.columns + panel.column) * panelSize
        let values = UnsafeBufferPointer(rebasing: scalars[start..<(start + panelSize)])
        guard drawPanel(panel, values: values, colors: colors, on: cr) else { return false }
      }
      return true
    }
    guard drawn else { return CAIRO_STATUS_NO_MEMORY }
    for colorbar in layout.colorbars {
      guard drawColorbar(colorbar, colors: colors, on: cr) else { return CAIRO_STATUS_NO_MEMORY }
    }
    drawTexts(layout.texts, on: cr)
    return CAIRO_STATUS_SUCCESS
  }

  /// Draws a panel; `false` if its image could not be made.
  private func drawPanel(
    _ panel: PanelLayout, values: UnsafeBufferPointer<Float>, colors: CellColors, on cr: OpaquePointer
  ) -> Bool {
    let grid = figure.gridShape
    let frame = snappedToPixels(panel.frame)
    if panel.hasMissingValues { drawMissingHatch(in: frame, on: cr) }
    let size = panelImageSize(frame: frame)
    guard
      let image = CellImage.make(
        columns: size.columns, rows: size.rows, cellColumns: grid.width, cellRows: grid.height,
        cell: { row, column in colors.pixel(values[row * grid.width + column], in: panel.valueRange) })
    else { return false }
    defer { cairo_surface_destroy(image) }
    paintImage(image, columns: size.columns, rows: size.rows, in: frame, on: cr)
    strokeFrame(panel.frame, on: cr)
    strokeTicks(panel.xTicks + panel.yTicks, on: cr)
    return true
  }

  /// Draws a colorbar; `false` if its image could not be made.
  private func drawColorbar(_ colorbar: ColorbarLayout, colors: CellColors, on cr: OpaquePointer) -> Bool {
    // One band per colormap entry, the last entry at the top, as matplotlib's
    // colorbar draws one band per entry.
    let entries = colors.entries
    let frame = snappedToPixels(colorbar.frame)
    // Vector files keep every band, as matplotlib's do.
    let rows = min(entries.count, pixelsPerPoint.map { pixels(frame.height, pixelsPerPoint: $0) } ?? 32767)
    guard
      let image = CellImage.make(
        columns: 1, rows: rows, cellColumns: 1, cellRows: entries.count,
        cell: { row, _ in entries[entries.count - 1 - row] })
    else { return false }
    defer { cairo_surface_destroy(image) }
    paintImage(image, columns: 1, rows: rows, in: frame, on: cr)
    strokeFrame(colorbar.frame, on: cr)
    strokeTicks(colorbar.ticks, on: cr)
    return true
  }

  /// The size of a panel's image. On raster surfaces: one pixel per cell, or
  /// per device pixel where cells outnumber them. In vector files, whose
  /// images viewers may scale, the same at `vectorPixelsPerPoint`, and small
  /// matrices enlarged by whole pixels: some SVG viewers smooth embedded
  /// images whatever the file asks for, which blurs cells into each other,
  /// and an image already enlarged keeps the blur to a sliver at each cell edge.
  private func panelImageSize(frame: Rect) -> (columns: Int, rows: Int) {
    let grid = figure.gridShape
    let resolution = pixelsPerPoint ?? vectorPixelsPerPoint
    let available = (
      columns: pixels(frame.width, pixelsPerPoint: resolution),
      rows: pixels(frame.height, pixelsPerPoint: resolution)
    )
    let fitted = (columns: min(grid.width, available.columns), rows: min(grid.height, available.rows))
    guard pixelsPerPoint == nil else { return fitted }
    if fitted == (grid.width, grid.height) {
      let factor = vectorEnlargement(columns: grid.width, rows: grid.height, panels: layout.panels.count)
      return (grid.width * factor, grid.height * factor)
    }
    // Cells that fit along one axis only are enlarged by whole pixels along it.
    return (
      fitted.columns == grid.width ? grid.width * max(1, available.columns / grid.width) : fitted.columns,
      fitted.rows == grid.height ? grid.height * max(1, available.rows / grid.height) : fitted.rows
    )
  }

  /// The pixels `length` points cover, at least one and at most what Cairo's
  /// images hold.
  private func pixels(_ length: Double, pixelsPerPoint: Double) -> Int {
    Int(min(32767, max(1, (length * pixelsPerPoint).rounded())))
  }

  /// All panel images of a vector file together stay under this many pixels.
  private static let vectorPixelBudget = 4_000_000.0

  /// The resolution of images in vector files: that of a PNG at the figure's
  /// dpi, lowered if the panels would take more than `vectorPixelBudget`.
  private var vectorPixelsPerPoint: Double {
    let area = layout.panels.reduce(0) { $0 + $1.frame.width * $1.frame.height }
    let dpiResolution = layout.dpi / 72
    guard area * dpiResolution * dpiResolution > Self.vectorPixelBudget else { return dpiResolution }
    return (Self.vectorPixelBudget / area).squareRoot()
  }

  /// Pixels per cell for a panel's image in a vector file: enough for about
  /// 1000 pixels across, while all panels together stay under
  /// `vectorPixelBudget`.
  private func vectorEnlargement(columns: Int, rows: Int, panels: Int) -> Int {
    let wanted = max(1, 1000 / max(columns, rows))
    let budget = Int((Self.vectorPixelBudget / Double(max(1, panels * columns * rows))).squareRoot())
    return max(1, min(wanted, budget))
  }

  /// Paints an image of `columns × rows` pixels stretched over `frame`, with
  /// nearest-neighbour sampling so that cells stay crisp: the image never has
  /// more pixels than the device (`CellImage` has averaged them), so no
  /// cell is dropped.
  private func paintImage(
    _ surface: OpaquePointer, columns: Int, rows: Int, in frame: Rect, on cr: OpaquePointer
  ) {
    // A panel thinner than a pixel snaps to nothing, which Cairo cannot scale to.
    guard frame.width > 0 && frame.height > 0 else { return }
    let pattern = cairo_pattern_create_for_surface(surface)!
    defer { cairo_pattern_destroy(pattern) }
    var matrix = cairo_matrix_t()
    cairo_matrix_init_scale(&matrix, Double(columns) / frame.width, Double(rows) / frame.height)
    cairo_matrix_translate(&matrix, -frame.minX, -frame.minY)
    cairo_pattern_set_matrix(pattern, &matrix)
    cairo_pattern_set_filter(pattern, CAIRO_FILTER_NEAREST)
    cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
    cairo_set_source(cr, pattern)
    cairo_rectangle(cr, frame.minX, frame.minY, frame.width, frame.height)
    cairo_fill(cr)
  }

  /// Light grey with diagonal lines, under the image, whose missing cells are
  /// transparent: distinct from every colormap colour, zero included.
  private func drawMissingHatch(in frame: Rect, on cr: OpaquePointer) {
    cairo_set_source_rgb(cr, missingFill.0, missingFill.1, missingFill.2)
    cairo_rectangle(cr, frame.minX, frame.minY, frame.width, frame.height)
    cairo_fill(cr)
    cairo_set_source_rgb(cr, missingLines.0, missingLines.1, missingLines.2)
    cairo_set_line_width(cr, 0.6)
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    // Lines at 45° cut to the frame here rather than by a clip, which some
    // SVG viewers ignore.
    let spacing = 3.0
    var offset = -frame.height
    while offset < frame.width {
      let first = max(0, -offset)
      let last = min(frame.height, frame.width - offset)
      if first < last {
        cairo_move_to(cr, frame.minX + offset + first, frame.maxY - first)
        cairo_line_to(cr, frame.minX + offset + last, frame.maxY - last)
      }
      offset += spacing
    }
    cairo_stroke(cr)
  }

  /// The spines, centred on pixels next to the image's snapped edges so that
  /// they are one pixel sharp, as matplotlib snaps them.
  private func strokeFrame(_ frame: Rect, on cr: OpaquePointer) {
    let snapped = snappedToPixels(frame)
    let box = Rect(
      spanning: Point(x: pixelCentre(snapped.minX), y: pixelCentre(snapped.minY)),
      Point(x: pixelCentre(snapped.maxX), y: pixelCentre(snapped.maxY)))
    cairo_set_source_rgb(cr, 0, 0, 0)
    cairo_set_line_width(cr, layout.lineWidth)
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER)
    cairo_rectangle(cr, box.minX, box.minY, box.width, box.height)
    cairo_stroke(cr)
  }

  private func strokeTicks(_ ticks: [Tick], on cr: OpaquePointer) {
    guard !ticks.isEmpty else { return }
    cairo_set_source_rgb(cr, 0, 0, 0)
    cairo_set_line_width(cr, layout.lineWidth)
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    for tick in ticks {
      let vertical = tick.mark.start.x == tick.mark.end.x
      // A mark across the pixel grid is centred on a pixel, so it is one pixel sharp.
      let start = Point(
        x: vertical ? pixelCentre(tick.mark.start.x) : snappedToPixel(tick.mark.start.x),
        y: vertical ? snappedToPixel(tick.mark.start.y) : pixelCentre(tick.mark.start.y))
      let end = Point(
        x: vertical ? start.x : snappedToPixel(tick.mark.end.x),
        y: vertical ? snappedToPixel(tick.mark.end.y) : start.y)
      cairo_move_to(cr, start.x, start.y)
      cairo_line_to(cr, end.x, end.y)
    }
    cairo_stroke(cr)
  }

  private func drawTexts(_ texts: [FigureText], on cr: OpaquePointer) {
    let context = pango_cairo_create_context(cr)!
    let options = FigureFont.makeOptions()
    FigureFont.configure(context, options: options)
    cairo_font_options_destroy(options)
    let lines = PangoTextLines(context: context)
    g_object_unref(UnsafeMutableRawPointer(context))
    for text in texts {
      let layout = lines.layout(for: text.string, fontSize: text.fontSize)
      let baseline = lines.baseline(of: layout)
      cairo_save(cr)
      cairo_set_source_rgb(cr, text.color.red, text.color.green, text.color.blue)
      cairo_translate(cr, text.origin.x, text.origin.y)
      if text.rotation == .vertical { cairo_rotate(cr, -Double.pi / 2) }
      cairo_move_to(cr, 0, -baseline)
      pango_cairo_update_layout(cr, layout)
      if pixelsPerPoint == nil {
        pango_cairo_show_layout(cr, layout)
      } else {
        // Cairo's image surface puts glyphs on whole pixels, which spaces
        // letters unevenly at 100 dpi; filled outlines keep the exact advances.
        pango_cairo_layout_path(cr, layout)
        cairo_fill(cr)
      }
      cairo_restore(cr)
    }
  }

  // MARK: Pixel alignment on raster surfaces

  private func snappedToPixel(_ value: Double) -> Double {
    guard let pixelsPerPoint else { return value }
    return (value * pixelsPerPoint).rounded() / pixelsPerPoint
  }

  private func pixelCentre(_ value: Double) -> Double {
    guard let pixelsPerPoint else { return value }
    return ((value * pixelsPerPoint).rounded(.down) + 0.5) / pixelsPerPoint
  }

  private func snappedToPixels(_ rect: Rect) -> Rect {
    Rect(
      spanning: Point(x: snappedToPixel(rect.minX), y: snappedToPixel(rect.minY)),
      Point(x: snappedToPixel(rect.maxX), y: snappedToPixel(rect.maxY)))
  }
}
