/// Turns a string, a font size and an anchor into a placed `FigureText`,
/// aligning the text's box as matplotlib's `ha` and `va` do.
struct TextPlacer {
  let measurer: any TextMeasurer

  enum Horizontal { case left, center, right }
  enum Vertical {
    case top, center, baseline, bottom
    /// matplotlib's 'center_baseline': the middle of the part above the baseline.
    case centerBaseline
  }

  /// Horizontal text whose box is aligned to `anchor`.
  func horizontal(
    _ string: String, fontSize: Double, at anchor: Point, _ horizontal: Horizontal, _ vertical: Vertical,
    color: RGB = RGB(red: 0, green: 0, blue: 0)
  ) -> FigureText {
    let metrics = measurer.metrics(of: string, fontSize: fontSize)
    let left: Double
    switch horizontal {
    case .left: left = anchor.x
    case .center: left = anchor.x - metrics.width / 2
    case .right: left = anchor.x - metrics.width
    }
    let baseline: Double
    switch vertical {
    case .top: baseline = anchor.y + metrics.ascent
    case .center: baseline = anchor.y + (metrics.ascent - metrics.descent) / 2
    case .baseline: baseline = anchor.y
    case .bottom: baseline = anchor.y - metrics.descent
    case .centerBaseline: baseline = anchor.y + metrics.ascent / 2
    }
    return FigureText(
      string: string, fontSize: fontSize, origin: Point(x: left, y: baseline), rotation: .horizontal,
      bounds: Rect(
        minX: left, minY: baseline - metrics.ascent, width: metrics.width, height: metrics.height),
      color: color)
  }

  /// Text turned to read bottom to top, whose box is aligned to `anchor`:
  /// `horizontal` aligns the box's left, centre or right edge (the text's top,
  /// middle or bottom), `vertical` its top, centre or bottom edge.
  func vertical(
    _ string: String, fontSize: Double, at anchor: Point, _ horizontal: Horizontal, _ vertical: Vertical,
    color: RGB = RGB(red: 0, green: 0, blue: 0)
  ) -> FigureText {
    let metrics = measurer.metrics(of: string, fontSize: fontSize)
    // The baseline runs upwards at x = originX; glyphs rise to the left of it.
    let originX: Double
    switch horizontal {
    case .left: originX = anchor.x + metrics.ascent
    case .center: originX = anchor.x + (metrics.ascent - metrics.descent) / 2
    case .right: originX = anchor.x - metrics.descent
    }
    let originY: Double
    switch vertical {
    case .top: originY = anchor.y + metrics.width
    case .center, .centerBaseline, .baseline: originY = anchor.y + metrics.width / 2
    case .bottom: originY = anchor.y
    }
    return FigureText(
      string: string, fontSize: fontSize, origin: Point(x: originX, y: originY), rotation: .vertical,
      bounds: Rect(
        minX: originX - metrics.ascent, minY: originY - metrics.width, width: metrics.height,
        height: metrics.width),
      color: color)
  }
}
