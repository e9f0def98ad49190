import CPangoCairo

/// The figure's typeface and how glyphs are rasterised, shared by measuring
/// and drawing so that both agree to the point.
enum FigureFont {
  /// DejaVu Sans is matplotlib's default; fontconfig falls back to the CJK
  /// font, then to any sans-serif, for glyphs DejaVu Sans lacks.
  static let family = "DejaVu Sans, Noto Sans CJK SC, sans-serif"

  /// Font options with unhinted metrics: glyph advances then scale exactly
  /// with the font size, so text measured in points keeps its size at any dpi.
  static func makeOptions() -> OpaquePointer {
    let options = cairo_font_options_create()!
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
    cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
    return options
  }

  /// A font description of `family` at `size` points (units of the context,
  /// which the renderers scale to points).
  static func makeDescription(size: Double) -> OpaquePointer {
    let description = pango_font_description_from_string(family)!
    pango_font_description_set_absolute_size(description, size * Double(PANGO_SCALE))
    return description
  }

  /// Makes a Pango context work in points with the figure's font options.
  /// Glyphs turn with the text, as in matplotlib: without a fixed gravity
  /// Pango would stand CJK glyphs upright in vertical labels and change their
  /// extent from what was measured.
  static func configure(_ context: OpaquePointer, options: OpaquePointer) {
    pango_cairo_context_set_resolution(context, 72)
    pango_cairo_context_set_font_options(context, options)
    // Pango otherwise rounds advances to whole units, here whole points.
    pango_context_set_round_glyph_positions(context, 0)
    pango_context_set_base_gravity(context, PANGO_GRAVITY_SOUTH)
    pango_context_set_gravity_hint(context, PANGO_GRAVITY_HINT_STRONG)
  }
}
