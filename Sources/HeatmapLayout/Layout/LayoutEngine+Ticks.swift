/// The two axes of a panel: x across (keys), y down (queries).
enum PanelAxis: String {
  case x, y
}

/// Which cells of an axis get a tick, and which of those a label.
struct TickPlan {
  /// Cell indices with a tick, ascending, each with its label or `nil`.
  var ticks: [(cell: Int, label: String?)]
  /// Whether x labels are turned to read bottom to top (token labels).
  var rotatesLabels: Bool
}

extension LayoutEngine {
  /// The ticks of one axis of a panel: token labels on every k-th cell, or
  /// matplotlib's automatic ticks restricted to cell centres.
  func tickPlan(_ axis: PanelAxis, frame: Rect, notes: inout [String]) -> TickPlan {
    let (count, length, tokens) =
      axis == .x
      ? (grid.width, frame.width, figure.xTickLabels) : (grid.height, frame.height, figure.yTickLabels)
    let cellSize = length / Double(count)
    if let tokens {
      // x token labels are turned, so on both axes labels stand side by side
      // and their line height sets the spacing.
      let lineHeight = tokens.map { measurer.metrics(of: $0, fontSize: style.tickFontSize).height }.max() ?? 0
      let every = thinning(spacing: cellSize, needed: lineHeight + style.tickLabelGap)
      if every > 1 { notes.append(thinningNote(axis: axis.rawValue, every: every, count: tokens.count)) }
      let cells = Array(stride(from: 0, to: min(count, tokens.count), by: every))
      return TickPlan(ticks: cells.map { ($0, tokens[$0]) }, rotatesLabels: axis == .x)
    }
    let cells = automaticTicks(count: count, axisLength: length, isVertical: axis == .y)
    // Greedy: a label is shown when it clears the last one shown along the axis.
    var lastEnd = -Double.infinity
    let ticks = cells.map { cell -> (cell: Int, label: String?) in
      let label = String(cell)
      let metrics = measurer.metrics(of: label, fontSize: style.tickFontSize)
      let extent = axis == .x ? metrics.width : metrics.height
      let center = (Double(cell) + 0.5) * cellSize
      guard center - extent / 2 >= lastEnd + style.tickLabelGap else { return (cell, nil) }
      lastEnd = center + extent / 2
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
