/// Measures text as the renderers will draw it, so the layout can place it.
public protocol TextMeasurer {
  /// The extent of `text` set in the figure's font at `fontSize` points.
  func metrics(of text: String, fontSize: Double) -> TextMetrics
}

/// The extent of a line of text around its baseline, in points.
///
/// Heights follow matplotlib: the ink above and below the baseline, but never
/// less than that of "lp", so that labels of different letters line up.
public struct TextMetrics: Sendable, Equatable {
  /// The advance width.
  public var width: Double
  /// The height above the baseline.
  public var ascent: Double
  /// The depth below the baseline.
  public var descent: Double

  public init(width: Double, ascent: Double, descent: Double) {
    self.width = width
    self.ascent = ascent
    self.descent = descent
  }

  /// `ascent + descent`.
  public var height: Double { ascent + descent }
}
