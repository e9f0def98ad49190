/// The layout of one figure: the grid from matplotlib's geometry, then the
/// text around it, then, if text sticks out, the same again with a smaller grid.
struct LayoutEngine {
  let figure: HeatmapFigure
  let style: LayoutStyle
  let placer: TextPlacer
  let grid: (rows: Int, columns: Int, height: Int, width: Int)
  let ranges: [ValueRange]
  /// Whether each panel, row-major, has NaN or infinite cells.
  let panelsWithMissingValues: [Bool]
  /// The figure's size in points.
  let width: Double
  let height: Double

  init(figure: HeatmapFigure, measurer: any TextMeasurer) {
    self.figure = figure
    var style = LayoutStyle.matplotlib
    style.colorbarFraction = figure.colorbarFraction
    style.colorbarPad = figure.colorbarPad
    self.style = style
    placer = TextPlacer(measurer: measurer)
    grid = figure.gridShape
    ranges = figure.valueRanges()
    let columns = grid.columns
    panelsWithMissingValues = (0..<(grid.rows * columns)).map { panel in
      figure.panelHasMissingValues(row: panel / columns, column: panel % columns)
    }
    width = figure.figsize.width * 72
    height = figure.figsize.height * 72
  }

  var measurer: any TextMeasurer { placer.measurer }

  func layout() -> FigureLayout {
    var parameters = figure.subplotParameters
    var layout = layout(with: parameters)
    guard figure.keepsTextInside else { return layout }
    // Each pass moves the overflowing sides in by what still sticks out; the
    // grid then shrinks, and text attached to it follows.
    for _ in 0..<8 {
      let bounds = layout.contentBounds
      let margin = style.fitMargin
      let overflow = (
        left: max(0, margin - bounds.minX), right: max(0, bounds.maxX - (width - margin)),
        top: max(0, margin - bounds.minY), bottom: max(0, bounds.maxY - (height - margin))
      )
      if overflow == (0, 0, 0, 0) { break }
      var adjusted = parameters
      adjusted.left += overflow.left / width
      adjusted.right -= overflow.right / width
      adjusted.top -= overflow.top / height
      adjusted.bottom += overflow.bottom / height
      // A grid squeezed to nothing helps no one; keep a sliver and let text clip.
      guard adjusted.right - adjusted.left > 0.05, adjusted.top - adjusted.bottom > 0.05 else { break }
      parameters = adjusted
      layout = self.layout(with: parameters)
    }
    return layout
  }

  /// The layout with the grid placed by `parameters`.
  func layout(with parameters: SubplotParameters) -> FigureLayout {
    let subplots = SubplotGrid(
      rows: grid.rows, columns: grid.columns,
      cellAspect: Double(grid.height) / Double(grid.width),
      figureAspect: height / width, parameters: parameters,
      colorbarPerPanel: figure.colorScale == .perPanel, style: style)
    var notes: [String] = []
    // Every panel has the same size, so one plan serves all.
    let firstFrame = subplots.panels[0].rect(figureWidth: width, figureHeight: height)
    let xTickPlan = tickPlan(.x, frame: firstFrame, notes: &notes)
    let yTickPlan = tickPlan(.y, frame: firstFrame, notes: &notes)
    var panels: [PanelLayout] = []
    for row in 0..<grid.rows {
      for column in 0..<grid.columns {
        let frame = subplots.panels[row * grid.columns + column].rect(
          figureWidth: width, figureHeight: height)
        panels.append(
          panel(row: row, column: column, frame: frame, xTickPlan: xTickPlan, yTickPlan: yTickPlan))
      }
    }
    mergeCollidingAxisLabels(in: &panels)
    placeRowTitles(in: &panels)
    annotate(&panels, notes: &notes)
    let colorbars = subplots.colorbars.enumerated().map { index, box in
      colorbar(frame: box.rect(figureWidth: width, figureHeight: height), range: ranges[index])
    }
    if !panelsWithMissingValues.contains(false), figure.matrices.scalars.allSatisfy({ !$0.isFinite }) {
      notes.append("every value is NaN or infinite; all cells are drawn as missing")
    }
    return FigureLayout(
      width: width, height: height, dpi: figure.dpi, subplotParameters: parameters, panels: panels,
      colorbars: colorbars, lineWidth: style.lineWidth, notes: notes)
  }

  /// A panel with its ticks, title and axis labels.
  func panel(row: Int, column: Int, frame: Rect, xTickPlan: TickPlan, yTickPlan: TickPlan) -> PanelLayout {
    let xTicks = xTicks(frame: frame, plan: xTickPlan, labelled: row == grid.rows - 1)
    let yTicks = yTicks(frame: frame, plan: yTickPlan, labelled: column == 0)
    var panel = PanelLayout(
      row: row, column: column, frame: frame,
      valueRange: figure.valueRange(row: row, column: column, in: ranges),
      hasMissingValues: panelsWithMissingValues[row * grid.columns + column],
      xTicks: xTicks, yTicks: yTicks, title: nil, xlabel: nil, ylabel: nil, rowTitle: nil,
      annotations: [])
    let title = figure.panelTitles.map { $0[row * grid.columns + column] } ?? figure.titles?[column]
    if let title, !title.isEmpty {
      panel.title = placer.horizontal(
        title, fontSize: style.titleFontSize,
        at: Point(x: frame.midX, y: frame.minY - style.titlePad), .center, .baseline)
    }
    if row == grid.rows - 1, let xlabel = figure.xlabel, !xlabel.isEmpty {
      // matplotlib puts the label below the tick labels and the tick marks.
      let lowest = ([frame.maxY + tickMarkLength(xTicks)] + xTicks.compactMap { $0.label?.bounds.maxY })
        .max()!
      panel.xlabel = placer.horizontal(
        xlabel, fontSize: style.labelFontSize, at: Point(x: frame.midX, y: lowest + style.labelPad),
        .center, .top)
    }
    if column == 0, let ylabel = figure.ylabel, !ylabel.isEmpty {
      let leftmost = ([frame.minX - tickMarkLength(yTicks)] + yTicks.compactMap { $0.label?.bounds.minX })
        .min()!
      panel.ylabel = placer.vertical(
        ylabel, fontSize: style.labelFontSize, at: Point(x: leftmost - style.labelPad, y: frame.midY),
        .right, .center)
    }
    return panel
  }

  private func tickMarkLength(_ ticks: [Tick]) -> Double {
    ticks.isEmpty ? 0 : style.tickLength
  }

  /// matplotlib repeats the axis labels under every column and beside every
  /// row, and lets them overprint when panels are small; instead, labels that
  /// would touch become one label centred on the whole grid side, carried by
  /// the middle panel of that side.
  func mergeCollidingAxisLabels(in panels: inout [PanelLayout]) {
    let gap = style.tickLabelGap
    let bottomRow = panels.indices.filter { panels[$0].xlabel != nil }
    let xlabels = bottomRow.compactMap { panels[$0].xlabel }
    if let text = xlabels.first?.string,
      zip(xlabels, xlabels.dropFirst()).contains(where: { $0.bounds.maxX + gap > $1.bounds.minX })
    {
      let span = panels[bottomRow.first!].frame.union(panels[bottomRow.last!].frame)
      let top = xlabels.map(\.bounds.minY).max()!
      for index in bottomRow { panels[index].xlabel = nil }
      panels[bottomRow[(bottomRow.count - 1) / 2]].xlabel = placer.horizontal(
        text, fontSize: style.labelFontSize, at: Point(x: span.midX, y: top), .center, .top)
    }
    let firstColumn = panels.indices.filter { panels[$0].ylabel != nil }
    let ylabels = firstColumn.compactMap { panels[$0].ylabel }
    if let text = ylabels.first?.string,
      zip(ylabels, ylabels.dropFirst()).contains(where: { $0.bounds.maxY + gap > $1.bounds.minY })
    {
      let span = panels[firstColumn.first!].frame.union(panels[firstColumn.last!].frame)
      let right = ylabels.map(\.bounds.maxX).min()!
      for index in firstColumn { panels[index].ylabel = nil }
      panels[firstColumn[(firstColumn.count - 1) / 2]].ylabel = placer.vertical(
        text, fontSize: style.labelFontSize, at: Point(x: right, y: span.midY), .right, .center)
    }
  }

  /// Row titles share one column left of everything else of the first column.
  func placeRowTitles(in panels: inout [PanelLayout]) {
    guard let rowTitles = figure.rowTitles else { return }
    let firstColumn = panels.indices.filter { panels[$0].column == 0 }
    let leftmost = firstColumn.map { index in
      let panel = panels[index]
      let edges =
        [panel.frame.minX - tickMarkLength(panel.yTicks)]
        + panel.yTicks.compactMap { $0.label?.bounds.minX } + [panel.ylabel?.bounds.minX].compactMap { $0 }
      return edges.min()!
    }.min()!
    for index in firstColumn {
      let row = panels[index].row
      guard row < rowTitles.count, !rowTitles[row].isEmpty else { continue }
      panels[index].rowTitle = placer.vertical(
        rowTitles[row], fontSize: style.rowTitleFontSize,
        at: Point(x: leftmost - style.rowTitlePad, y: panels[index].frame.midY), .right, .center)
    }
  }
}
