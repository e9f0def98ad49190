/// Sizes and distances of the figure in points, matplotlib's defaults where
/// matplotlib has the element.
struct LayoutStyle {
  /// `xtick.major.size`: marks point outward this far.
  var tickLength = 3.5
  /// `xtick.major.width`, `axes.linewidth`: spines, ticks, colorbar outline.
  var lineWidth = 0.8
  /// `xtick.major.pad`: between the end of a mark and its label.
  var tickPad = 3.5
  /// `xtick.labelsize` ('medium').
  var tickFontSize = 10.0
  /// `axes.labelsize` ('medium').
  var labelFontSize = 10.0
  /// `axes.labelpad`: between tick labels and the axis label.
  var labelPad = 4.0
  /// `axes.titlesize` ('large').
  var titleFontSize = 12.0
  /// `axes.titlepad`: between the top of the axes and the title's baseline.
  var titlePad = 6.0
  /// Row titles match column titles.
  var rowTitleFontSize = 12.0
  /// Between a row title and the y label or tick labels to its right.
  var rowTitlePad = 6.0
  /// `Axis.OFFSETTEXTPAD`: between the colorbar's top and its offset text.
  var offsetTextPad = 3.0
  /// `fig.colorbar(..., fraction=0.15)`: the share of the grid's width the bar takes.
  var colorbarFraction = 0.15
  /// `pad=0.05`: the share of the grid's width between the grid and the bar.
  var colorbarPad = 0.05
  /// `shrink=0.6`, as `show_heatmaps` asks.
  var colorbarShrink = 0.6
  /// `aspect=20`: the bar is twenty times as high as wide.
  var colorbarAspect = 20.0
  /// The least space kept between text and the figure's edges when fitting.
  var fitMargin = 2.0
  /// The least space between neighbouring tick labels.
  var tickLabelGap = 1.0
  /// The largest and smallest annotation font sizes.
  var annotationFontSizes: ClosedRange<Double> = 5...10
  /// seaborn's `annot` colours: near-black on light cells, white on dark ones.
  var darkText = RGB(red: 0x26 / 255.0, green: 0x26 / 255.0, blue: 0x26 / 255.0)
  var lightText = RGB(red: 1, green: 1, blue: 1)
  /// seaborn's threshold: cells of relative luminance above it get dark text.
  var luminanceThreshold = 0.408

  static let matplotlib = LayoutStyle()
}
