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
  func draw(on cr: OpaquePointer) {
    cairo_save(cr)
    cairo_set_source_rgb(cr, 1, 1, 1)
    cairo_paint(cr)
    let colors = CellColors(colormap: figure.colormap)
    let grid = figure.gridShape
    figure.matrices.scalars.withUnsafeBufferPointer { scalars in
      let panelSize = grid.height * grid.width
      for panel in layout.panels {
        let start = (panel.row * grid.columns + panel.column) * panelSize
        let values = UnsafeBufferPointer(rebasing: scalars[start..<(start + panelSize)])
        drawPanel(panel, values: values, colors: colors, on: cr)
      }
    }
    for colorbar in layout.colorbars { drawColorbar(colorbar, colors: colors, on: cr) }
    drawTexts(layout.texts, on: cr)
    cairo_restore(cr)
  }

  private func drawPanel(
    _ panel: PanelLayout, values: UnsafeBufferPointer<Float>, colors: CellColors, on cr: OpaquePointer
  ) {
    let grid = figure.gridShape
    let frame = snappedToPixels(panel.frame)
    if panel.hasMissingValues { drawMissingHatch(in: frame, on: cr) }
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(grid.width), Int32(grid.height))!
    defer { cairo_surface_destroy(surface) }
    fillImage(surface) { pixels, stride in
      colors.fill(
        pixels, stride: stride, values: values, height: grid.height, width: grid.width,
        range: panel.valueRange)
    }
    if pixelsPerPoint == nil {
      // Some SVG viewers smooth embedded images whatever the file asks for, which
      // blurs cells into each other; an image already enlarged by whole pixels
      // keeps the blur to a sliver at each cell edge.
      let factor = vectorEnlargement(columns: grid.width, rows: grid.height, panels: layout.panels.count)
      let enlarged = enlargedImage(surface, columns: grid.width, rows: grid.height, by: factor)
      defer { cairo_surface_destroy(enlarged) }
      paintImage(enlarged, columns: grid.width * factor, rows: grid.height * factor, in: frame, on: cr)
    } else {
      paintImage(surface, columns: grid.width, rows: grid.height, in: frame, on: cr)
    }
    strokeFrame(panel.frame, on: cr)
    strokeTicks(panel.xTicks + panel.yTicks, on: cr)
  }

  private func drawColorbar(_ colorbar: ColorbarLayout, colors: CellColors, on cr: OpaquePointer) {
    // One pixel per colormap entry, the last entry at the top, as matplotlib's
    // colorbar draws one band per entry.
    let entries = colors.entries
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, Int32(entries.count))!
    defer { cairo_surface_destroy(surface) }
    fillImage(surface) { pixels, stride in
      for (index, entry) in entries.reversed().enumerated() { pixels[index * stride] = entry }
    }
    paintImage(surface, columns: 1, rows: entries.count, in: snappedToPixels(colorbar.frame), on: cr)
    strokeFrame(colorbar.frame, on: cr)
    strokeTicks(colorbar.ticks, on: cr)
  }

  /// Pixels per cell for a panel's image in a vector file: enough for about
  /// 1000 pixels across, while all panels together stay under 4 million pixels.
  private func vectorEnlargement(columns: Int, rows: Int, panels: Int) -> Int {
    let wanted = max(1, 1000 / max(columns, rows))
    let budget = Int((4_000_000 / Double(max(1, panels * columns * rows))).squareRoot())
    return max(1, min(wanted, budget))
  }

  /// A copy of `surface` with every pixel repeated `factor` times across and down.
  private func enlargedImage(_ surface: OpaquePointer, columns: Int, rows: Int, by factor: Int)
    -> OpaquePointer
  {
    let enlarged = cairo_image_surface_create(
      CAIRO_FORMAT_ARGB32, Int32(columns * factor), Int32(rows * factor))!
    let sourceStride = Int(cairo_image_surface_get_stride(surface)) / 4
    let source = UnsafeRawPointer(cairo_image_surface_get_data(surface)!).assumingMemoryBound(to: UInt32.self)
    fillImage(enlarged) { pixels, stride in
      for y in 0..<(rows * factor) {
        let sourceRow = source + (y / factor) * sourceStride
        let row = pixels + y * stride
        for x in 0..<(columns * factor) { row[x] = sourceRow[x / factor] }
      }
    }
    return enlarged
  }

  /// Lets `body` write the pixels of an image surface, then tells Cairo.
  private func fillImage(_ surface: OpaquePointer, _ body: (UnsafeMutablePointer<UInt32>, Int) -> Void) {
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let data = cairo_image_surface_get_data(surface)!
    data.withMemoryRebound(to: UInt32.self, capacity: stride * Int(cairo_image_surface_get_height(surface))) {
      body($0, stride)
    }
    cairo_surface_mark_dirty(surface)
  }

  /// Paints an image of `columns × rows` pixels stretched over `frame`. Cells
  /// stay crisp with nearest-neighbour sampling; when a raster panel has fewer
  /// pixels than cells, Cairo's box filter averages the cells under each pixel
  /// instead of picking one at random.
  private func paintImage(
    _ surface: OpaquePointer, columns: Int, rows: Int, in frame: Rect, on cr: OpaquePointer
  ) {
    let pattern = cairo_pattern_create_for_surface(surface)!
    defer { cairo_pattern_destroy(pattern) }
    var matrix = cairo_matrix_t()
    cairo_matrix_init_scale(&matrix, Double(columns) / frame.width, Double(rows) / frame.height)
    cairo_matrix_translate(&matrix, -frame.minX, -frame.minY)
    cairo_pattern_set_matrix(pattern, &matrix)
    var filter = CAIRO_FILTER_NEAREST
    if let pixelsPerPoint {
      let cellPixels = min(frame.width / Double(columns), frame.height / Double(rows)) * pixelsPerPoint
      if cellPixels < 1 { filter = CAIRO_FILTER_GOOD }
    }
    cairo_pattern_set_filter(pattern, filter)
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
