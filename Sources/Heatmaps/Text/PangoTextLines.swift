import CPangoCairo

/// Pango layouts kept per font size and reused for every string of that size,
/// rather than built per tick label.
final class PangoTextLines {
  private let context: OpaquePointer
  private var layouts: [Double: OpaquePointer] = [:]

  /// Takes a reference to `context`, already configured with `FigureFont`.
  init(context: OpaquePointer) {
    self.context = context
    g_object_ref(UnsafeMutableRawPointer(context))
  }

  deinit {
    for layout in layouts.values { g_object_unref(UnsafeMutableRawPointer(layout)) }
    g_object_unref(UnsafeMutableRawPointer(context))
  }

  /// The layout of `fontSize`, holding `text` as a single line.
  func layout(for text: String, fontSize: Double) -> OpaquePointer {
    let layout: OpaquePointer
    if let existing = layouts[fontSize] {
      layout = existing
    } else {
      layout = pango_layout_new(context)!
      let description = FigureFont.makeDescription(size: fontSize)
      pango_layout_set_font_description(layout, description)
      pango_font_description_free(description)
      pango_layout_set_single_paragraph_mode(layout, 1)
      layouts[fontSize] = layout
    }
    pango_layout_set_text(layout, text, -1)
    return layout
  }

  /// The baseline of the layout's first line below its top, in context units.
  func baseline(of layout: OpaquePointer) -> Double {
    Double(pango_layout_get_baseline(layout)) / Double(PANGO_SCALE)
  }

  /// The advance width and the ink above and below the baseline of `text`.
  func inkMetrics(of text: String, fontSize: Double) -> TextMetrics {
    let layout = layout(for: text, fontSize: fontSize)
    var ink = PangoRectangle()
    var logical = PangoRectangle()
    pango_layout_get_extents(layout, &ink, &logical)
    let scale = Double(PANGO_SCALE)
    let baseline = Double(pango_layout_get_baseline(layout)) / scale
    let inkTop = Double(ink.y) / scale
    let inkBottom = Double(ink.y + ink.height) / scale
    return TextMetrics(
      width: Double(logical.width) / scale,
      ascent: ink.height > 0 ? baseline - inkTop : 0,
      descent: ink.height > 0 ? inkBottom - baseline : 0)
  }
}
