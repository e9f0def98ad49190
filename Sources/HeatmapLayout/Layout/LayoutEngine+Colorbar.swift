extension LayoutEngine {
  /// A colorbar in `frame` spanning `range`, with matplotlib's automatic
  /// ticks and labels on its right.
  func colorbar(frame: Rect, range: ValueRange) -> ColorbarLayout {
    let locator = TickLocator(axisLength: frame.height, labelFontSize: style.tickFontSize, isVertical: true)
    let candidates = locator.ticks(from: range.lower, to: range.upper)
    let formatter = TickFormatter(ticks: candidates, lower: range.lower, upper: range.upper)
    let tolerance = (range.upper - range.lower) * 1e-10
    var ticks: [Tick] = []
    for (value, label) in zip(candidates, formatter.labels)
    where value >= range.lower - tolerance && value <= range.upper + tolerance {
      let y = frame.maxY - range.normalized(value) * frame.height
      let markEnd = frame.maxX + style.tickLength
      let text = placer.horizontal(
        label, fontSize: style.tickFontSize, at: Point(x: markEnd + style.tickPad, y: y), .left,
        .centerBaseline)
      ticks.append(
        Tick(
          value: value, mark: LineSegment(start: Point(x: frame.maxX, y: y), end: Point(x: markEnd, y: y)),
          label: text))
    }
    var offsetText: FigureText?
    if !formatter.offsetText.isEmpty {
      offsetText = placer.horizontal(
        formatter.offsetText, fontSize: style.tickFontSize,
        at: Point(x: frame.maxX, y: frame.minY - style.offsetTextPad), .left, .bottom)
    }
    var label: FigureText?
    if let text = figure.colorbarLabel, !text.isEmpty {
      let right = ticks.compactMap(\.label?.bounds.maxX).max() ?? frame.maxX + style.tickLength
      label = placer.vertical(
        text, fontSize: style.labelFontSize, at: Point(x: right + style.labelPad, y: frame.midY), .left, .center)
    }
    return ColorbarLayout(frame: frame, valueRange: range, ticks: ticks, offsetText: offsetText, label: label)
  }
}
