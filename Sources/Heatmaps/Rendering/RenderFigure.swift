import CPangoCairo
import TensorIO

/// Draws `figure` and writes it to `path`, atomically: a hidden file in the
/// same folder is written first and then renamed over `path`, so a failure
/// never leaves a half-written file.
///
/// - Parameters:
///   - format: the output format; `nil` takes it from the extension of `path`.
/// - Returns: the layout that was drawn, whose `notes` say what was left out.
/// - Throws: `HeatmapError` for an unknown extension, or a file that cannot
///   be written, naming `path`.
@discardableResult
public func renderFigure(_ figure: HeatmapFigure, to path: String, format: OutputFormat? = nil)
  throws(HeatmapError)
  -> FigureLayout
{
  let resolvedFormat: OutputFormat
  if let format { resolvedFormat = format } else { resolvedFormat = try OutputFormat(path: path) }
  let bytes: [UInt8]
  let layout: FigureLayout
  do {
    (bytes, layout) = try renderFigureData(figure, format: resolvedFormat)
  } catch .writeFailed(_, let reason) {
    throw .writeFailed(path: path, reason: reason)
  }
  do {
    try AtomicFileWriter.write(bytes, to: path)
  } catch {
    throw .writeFailed(path: path, reason: error.reason)
  }
  return layout
}

/// One self-contained HTML page of several views of the same text (a lens
/// each, say), the first shown when it opens and the others chosen in the
/// page's View select (or with `#view=NAME` in its address).
///
/// - Parameter views: at least one, each with the name the select shows.
/// - Returns: the page's bytes and the layout of each view.
public func renderFigurePage(views: [(name: String, figure: HeatmapFigure)]) -> (
  bytes: [UInt8], layouts: [FigureLayout]
) {
  precondition(!views.isEmpty, "a page has at least one view")
  let measurer = PangoTextMeasurer()
  var renderers = views.map { view in
    var renderer = HTMLRenderer(figure: view.figure, layout: layoutFigure(view.figure, measurer: measurer))
    renderer.name = view.name
    return renderer
  }
  let layouts = renderers.map(\.layout)
  if renderers.count > 1 {
    renderers[0].otherViews = renderers.dropFirst().map { ($0.name ?? "", $0) }
  }
  return (Array(renderers[0].document().utf8), layouts)
}

/// Draws `figure` into the bytes of a PNG, SVG, PDF or HTML file.
///
/// - Returns: the file's bytes and the layout that was drawn.
public func renderFigureData(_ figure: HeatmapFigure, format: OutputFormat) throws(HeatmapError)
  -> (bytes: [UInt8], layout: FigureLayout)
{
  let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
  if format == .html {
    return (Array(HTMLRenderer(figure: figure, layout: layout).document().utf8), layout)
  }
  let collector = CairoStreamCollector()
  let closure = Unmanaged.passUnretained(collector).toOpaque()
  let status: cairo_status_t
  switch format {
  case .png:
    let pixelsPerPoint = figure.dpi / 72
    let (width, height) = (
      pixelCount(layout.width * pixelsPerPoint), pixelCount(layout.height * pixelsPerPoint)
    )
    // Cairo's image surfaces, like most PNG readers, stop at 32767 pixels a side.
    guard width <= 32767 && height <= 32767 else {
      throw .writeFailed(
        path: "png output",
        reason:
          "\(width)×\(height) pixels is more than PNG output allows (32767 a side); lower the dpi or the figure size"
      )
    }
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))!
    defer { cairo_surface_destroy(surface) }
    var drawn = draw(layout, of: figure, on: surface, pixelsPerPoint: pixelsPerPoint)
    if drawn == CAIRO_STATUS_SUCCESS { drawn = cairo_surface_status(surface) }
    if drawn == CAIRO_STATUS_SUCCESS, let png = PNGEncoder.encode(surface) {
      collector.bytes = png
      status = CAIRO_STATUS_SUCCESS
    } else {
      status = drawn == CAIRO_STATUS_SUCCESS ? CAIRO_STATUS_NO_MEMORY : drawn
    }
  case .pdf:
    let surface = cairo_pdf_surface_create_for_stream(
      CairoStreamCollector.write, closure, layout.width, layout.height)!
    defer { cairo_surface_destroy(surface) }
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "AttentionKit")
    let words = documentWords(of: figure)
    if !words.isEmpty {
      cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, words.joined(separator: ", "))
    }
    let drawn = draw(layout, of: figure, on: surface, pixelsPerPoint: nil)
    cairo_surface_finish(surface)
    status = drawn == CAIRO_STATUS_SUCCESS ? cairo_surface_status(surface) : drawn
  case .svg:
    let surface = cairo_svg_surface_create_for_stream(
      CairoStreamCollector.write, closure, layout.width, layout.height)!
    defer { cairo_surface_destroy(surface) }
    cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PT)
    let drawn = draw(layout, of: figure, on: surface, pixelsPerPoint: nil)
    cairo_surface_finish(surface)
    status = drawn == CAIRO_STATUS_SUCCESS ? cairo_surface_status(surface) : drawn
  case .html:
    preconditionFailure("HTML is written without Cairo, above")
  }
  guard status == CAIRO_STATUS_SUCCESS else {
    throw .writeFailed(
      path: "\(format.rawValue) output", reason: "cairo: " + String(cString: cairo_status_to_string(status))
    )
  }
  var bytes = collector.bytes
  if format == .svg { bytes = svgWithHeader(bytes, words: documentWords(of: figure)) }
  return (bytes, layout)
}

/// matplotlib's rule: the canvas is `int(size × dpi)` pixels; the epsilon
/// keeps 2.9 × 100 from truncating to 289.
private func pixelCount(_ pixels: Double) -> Int {
  max(1, Int(min(pixels + 1e-6, 1e9).rounded(.down)))
}

/// Draws the figure on `surface`; `CAIRO_STATUS_NO_MEMORY` if an image of it
/// could not be made.
private func draw(
  _ layout: FigureLayout, of figure: HeatmapFigure, on surface: OpaquePointer, pixelsPerPoint: Double?
) -> cairo_status_t {
  let cr = cairo_create(surface)!
  defer { cairo_destroy(cr) }
  if let pixelsPerPoint { cairo_scale(cr, pixelsPerPoint, pixelsPerPoint) }
  return CairoFigureRenderer(figure: figure, layout: layout, pixelsPerPoint: pixelsPerPoint).draw(on: cr)
}

/// The figure's words, for document titles: labels, column and row titles.
/// Vector output draws text as outlines, so this is how search and screen
/// readers find it.
private func documentWords(of figure: HeatmapFigure) -> [String] {
  let words =
    [figure.ylabel, figure.xlabel].compactMap { $0 } + (figure.titles ?? []) + (figure.rowTitles ?? [])
  return words.filter { !$0.isEmpty }
}

/// Inserts, after the opening `<svg ...>` tag, a `<title>` and a style that
/// keeps cells crisp: Cairo embeds each panel as a small image scaled up, which
/// browsers would otherwise smooth into a blur.
private func svgWithHeader(_ svg: [UInt8], words: [String]) -> [UInt8] {
  let tag = Array("<svg".utf8)
  guard let open = svg.indices.first(where: { svg[$0...].starts(with: tag) }),
    let close = svg[open...].firstIndex(of: UInt8(ascii: ">"))
  else { return svg }
  var header = "\n<style>image { image-rendering: optimizeSpeed; image-rendering: pixelated; }</style>"
  if !words.isEmpty {
    header = "\n<title>\(htmlEscaped(words.joined(separator: ", ")))</title>" + header
  }
  var result = svg
  result.insert(contentsOf: Array(header.utf8), at: close + 1)
  return result
}
