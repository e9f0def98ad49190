import CPangoCairo

/// Measures text with Pango and fontconfig in the figure's font, the way the
/// Cairo renderers draw it.
///
/// Not thread-safe: use one measurer per thread.
public final class PangoTextMeasurer: TextMeasurer {
  private let lines: PangoTextLines
  private var lpMetrics: [Double: TextMetrics] = [:]
  private var cache: [String: [Double: TextMetrics]] = [:]

  public init() {
    let fontMap = pango_cairo_font_map_get_default()
    let context = pango_font_map_create_context(fontMap)!
    let options = FigureFont.makeOptions()
    FigureFont.configure(context, options: options)
    cairo_font_options_destroy(options)
    lines = PangoTextLines(context: context)
    g_object_unref(UnsafeMutableRawPointer(context))
  }

  public func metrics(of text: String, fontSize: Double) -> TextMetrics {
    if let known = cache[text]?[fontSize] { return known }
    let reference = lpMetrics[fontSize] ?? lines.inkMetrics(of: "lp", fontSize: fontSize)
    lpMetrics[fontSize] = reference
    let ink = lines.inkMetrics(of: text, fontSize: fontSize)
    let metrics = TextMetrics(
      width: ink.width, ascent: max(ink.ascent, reference.ascent),
      descent: max(ink.descent, reference.descent))
    cache[text, default: [:]][fontSize] = metrics
    return metrics
  }
}
