/// Which cells of an axis get a tick, and which of those a label.
struct TickPlan {
  /// Cell indices with a tick, ascending, each with its label or `nil`.
  var ticks: [(cell: Int, label: String?)]
  /// Whether x labels are turned to read bottom to top (token labels).
  var rotatesLabels: Bool
}

extension LayoutEngine {
  /// The x ticks: token labels on every k-th cell, or matplotlib's automatic
  /// ticks restricted to cell centres.
  func xTickPlan(frame: Rect, notes: inout [String]) -> TickPlan {
    let cellWidth = frame.width / Double(grid.width)
    if let tokens = figure.xTickLabels {
      // Turned labels stand side by side: their line height sets the spacing.
      let lineHeight = tokens.map { measurer.metrics(of: $0, fontSize: style.tickFontSize).height }.max() ?? 0
      let every = thinning(spacing: cellWidth, needed: lineHeight + style.tickLabelGap)
      if every > 1 { notes.append(thinningNote(axis: "x", every: every, count: tokens.count)) }
      let cells = Array(stride(from: 0, to: min(grid.width, tokens.count), by: every))
      return TickPlan(ticks: cells.map { ($0, tokens[$0]) }, rotatesLabels: true)
    }
    let cells = automaticTicks(count: grid.width, axisLength: frame.width, isVertical: false)
    // Greedy: a label is shown when it clears the last one shown.
    var lastRight = -Double.infinity
    let ticks = cells.map { cell -> (cell: Int, label: String?) in
      let label = String(cell)
      let labelWidth = measurer.metrics(of: label, fontSize: style.tickFontSize).width
      let center = (Double(cell) + 0.5) * cellWidth
      guard center - labelWidth / 2 >= lastRight + style.tickLabelGap else { return (cell, nil) }
      lastRight = center + labelWidth / 2
      return (cell, label)
    }
    return TickPlan(ticks: ticks, rotatesLabels: false)
  }

  /// The y ticks, as `xTickPlan` but for rows.
  func yTickPlan(frame: Rect, notes: inout [String]) -> TickPlan {
    let cellHeight = frame.height / Double(grid.height)
    if let tokens = figure.yTickLabels {
      let lineHeight = tokens.map { measurer.metrics(of: $0, fontSize: style.tickFontSize).height }.max() ?? 0
      let every = thinning(spacing: cellHeight, needed: lineHeight + style.tickLabelGap)
      if every > 1 { notes.append(thinningNote(axis: "y", every: every, count: tokens.count)) }
      let cells = Array(stride(from: 0, to: min(grid.height, tokens.count), by: every))
      return TickPlan(ticks: cells.map { ($0, tokens[$0]) }, rotatesLabels: false)
    }
    let cells = automaticTicks(count: grid.height, axisLength: frame.height, isVertical: true)
    var lastBottom = -Double.infinity
    let ticks = cells.map { cell -> (cell: Int, label: String?) in
      let label = String(cell)
      let labelHeight = measurer.metrics(of: label, fontSize: style.tickFontSize).height
      let center = (Double(cell) + 0.5) * cellHeight
      guard center - labelHeight / 2 >= lastBottom + style.tickLabelGap else { return (cell, nil) }
      lastBottom = center + labelHeight / 2
      return (cell, label)
    }
    return TickPlan(ticks: ticks, rotatesLabels: false)
  }

  /// matplotlib's AutoLocator over the image extent -0.5...count-0.5, keeping
  /// the ticks that fall on a cell centre: a tick between cells names no cell.
  func automaticTicks(count: Int, axisLength: Double, isVertical: Bool) -> [Int] {
    let locator = TickLocator(
      axisLength: axisLength, labelFontSize: style.tickFontSize, isVertical: isVertical)
    let (lower, upper) = (-0.5, Double(count) - 0.5)
    let tolerance = (upper - lower) * 1e-10
    return locator.ticks(from: lower, to: upper)
      .filter { $0 >= lower - tolerance && $0 <= upper + tolerance && $0 == $0.rounded() }
      .map { Int($0) }
  }

  private func thinning(spacing: Double, needed: Double) -> Int {
    guard spacing > 0 else { return Int.max / 2 }
    return max(1, Int((needed / spacing).rounded(.up)))
  }

  private func thinningNote(axis: String, every: Int, count: Int) -> String {
    "\(axis) tick labels: every \(every)\(ordinalSuffix(every)) of \(count) shown; more would overlap at this figure size"
  }

  private func ordinalSuffix(_ n: Int) -> String {
    if (11...13).contains(n % 100) { return "th" }
    switch n % 10 {
    case 1: return "st"
    case 2: return "nd"
    case 3: return "rd"
    default: return "th"
    }
  }

  /// Ticks on the bottom edge of `frame`; labels only when `labelled`.
  func xTicks(frame: Rect, plan: TickPlan, labelled: Bool) -> [Tick] {
    let cellWidth = frame.width / Double(grid.width)
    return plan.ticks.map { cell, label in
      let x = frame.minX + (Double(cell) + 0.5) * cellWidth
      let markEnd = frame.maxY + style.tickLength
      var text: FigureText?
      if labelled, let label {
        let anchor = Point(x: x, y: markEnd + style.tickPad)
        text =
          plan.rotatesLabels
          ? placer.vertical(label, fontSize: style.tickFontSize, at: anchor, .center, .top)
          : placer.horizontal(label, fontSize: style.tickFontSize, at: anchor, .center, .top)
      }
      return Tick(
        value: Double(cell),
        mark: LineSegment(start: Point(x: x, y: frame.maxY), end: Point(x: x, y: markEnd)), label: text)
    }
  }

  /// Ticks on the left edge of `frame`; labels only when `labelled`.
  func yTicks(frame: Rect, plan: TickPlan, labelled: Bool) -> [Tick] {
    let cellHeight = frame.height / Double(grid.height)
    return plan.ticks.map { cell, label in
      let y = frame.minY + (Double(cell) + 0.5) * cellHeight
      let markEnd = frame.minX - style.tickLength
      var text: FigureText?
      if labelled, let label {
        text = placer.horizontal(
          label, fontSize: style.tickFontSize, at: Point(x: markEnd - style.tickPad, y: y), .right,
          .centerBaseline)
      }
      return Tick(
        value: Double(cell),
        mark: LineSegment(start: Point(x: frame.minX, y: y), end: Point(x: markEnd, y: y)), label: text)
    }
  }
}
