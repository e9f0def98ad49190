/// A rectangle in figure fractions, y measured up from the bottom edge, as
/// matplotlib's `Bbox` in figure coordinates.
struct FractionBox {
  var x0: Double
  var y0: Double
  var x1: Double
  var y1: Double

  var width: Double { x1 - x0 }
  var height: Double { y1 - y0 }

  /// `Bbox.shrunk_to_aspect`: the largest box of physical aspect
  /// `boxAspect` (height / width) inside this one, at its lower-left corner.
  func shrunk(toAspect boxAspect: Double, figureAspect: Double) -> FractionBox {
    var newHeight = width * boxAspect / figureAspect
    var newWidth = width
    if newHeight > height {
      newWidth = height * figureAspect / boxAspect
      newHeight = height
    }
    return FractionBox(x0: x0, y0: y0, x1: x0 + newWidth, y1: y0 + newHeight)
  }

  /// `Bbox.anchored`: this box moved inside `container` to the anchor point,
  /// (0, 0) lower left, (1, 1) upper right.
  func anchored(_ anchor: (x: Double, y: Double), in container: FractionBox) -> FractionBox {
    let dx = (container.x0 + anchor.x * (container.width - width)) - x0
    let dy = (container.y0 + anchor.y * (container.height - height)) - y0
    return FractionBox(x0: x0 + dx, y0: y0 + dy, x1: x1 + dx, y1: y1 + dy)
  }

  /// The box in points from the figure's top-left corner.
  func rect(figureWidth: Double, figureHeight: Double) -> Rect {
    Rect(
      minX: x0 * figureWidth, minY: (1 - y1) * figureHeight,
      width: width * figureWidth, height: height * figureHeight)
  }
}

/// The boxes of a grid of image panels and their colorbars in figure
/// fractions, computed as `plt.subplots` + `imshow` + `fig.colorbar(ax=...)`
/// place them.
struct SubplotGrid {
  /// The axes boxes, row-major, after the image aspect is applied.
  var panels: [FractionBox]
  /// One colorbar box for the whole grid, or one per panel.
  var colorbars: [FractionBox]

  /// - Parameters:
  ///   - rows, columns: the grid.
  ///   - cellAspect: H / W of each matrix; cells stay square.
  ///   - figureAspect: the figure's height / width.
  ///   - colorbarPerPanel: one bar per panel instead of one for the grid.
  init(
    rows: Int, columns: Int, cellAspect: Double, figureAspect: Double,
    parameters: SubplotParameters, colorbarPerPanel: Bool, style: LayoutStyle
  ) {
    let slots = Self.gridSlots(rows: rows, columns: columns, parameters: parameters)
    let groups: [[Int]] = colorbarPerPanel ? slots.indices.map { [$0] } : [Array(slots.indices)]
    var panels = slots
    var colorbars: [FractionBox] = []
    for group in groups {
      let parents = group.map { slots[$0] }
      let bounds = FractionBox(
        x0: parents.map(\.x0).min()!, y0: parents.map(\.y0).min()!,
        x1: parents.map(\.x1).max()!, y1: parents.map(\.y1).max()!)
      // make_axes(location='right'): the parents keep the left 1 - fraction - pad
      // of their joint box, the bar gets the right `fraction`, shrunk in height.
      let keptWidth = bounds.width * (1 - style.colorbarFraction - style.colorbarPad)
      let kept = FractionBox(x0: bounds.x0, y0: bounds.y0, x1: bounds.x0 + keptWidth, y1: bounds.y1)
      let barSlotFull = FractionBox(
        x0: bounds.x0 + (1 - style.colorbarFraction) * bounds.width, y0: bounds.y0,
        x1: bounds.x0 + bounds.width, y1: bounds.y1)
      let barSlot = FractionBox(
        x0: barSlotFull.x0, y0: barSlotFull.y0, x1: barSlotFull.x1,
        y1: barSlotFull.y0 + barSlotFull.height * style.colorbarShrink
      ).anchored((0, 0.5), in: barSlotFull)
      let bar = barSlot.shrunk(toAspect: style.colorbarAspect, figureAspect: figureAspect)
        .anchored((0, 0.5), in: barSlot)
      colorbars.append(bar)
      for index in group {
        let slot = slots[index]
        let scale = kept.width / bounds.width
        let moved = FractionBox(
          x0: kept.x0 + (slot.x0 - bounds.x0) * scale, y0: slot.y0,
          x1: kept.x0 + (slot.x1 - bounds.x0) * scale, y1: slot.y1)
        // imshow's aspect='equal' with adjustable='box', anchored where
        // make_axes puts the parents: right edge, vertical centre.
        panels[index] = moved.shrunk(toAspect: cellAspect, figureAspect: figureAspect)
          .anchored((1, 0.5), in: moved)
      }
    }
    self.panels = panels
    self.colorbars = colorbars
  }

  /// `GridSpec.get_grid_positions`: equal slots separated by `wspace` and
  /// `hspace` times the mean slot size, row-major.
  static func gridSlots(rows: Int, columns: Int, parameters p: SubplotParameters) -> [FractionBox] {
    func offsets(count: Int, total: Double, space: Double) -> [(Double, Double)] {
      let cell = total / (Double(count) + space * Double(count - 1))
      let separation = space * cell
      var running = 0.0
      var result: [(Double, Double)] = []
      for index in 0..<count {
        if index > 0 { running += separation }
        let start = running
        running += cell
        result.append((start, running))
      }
      return result
    }
    let vertical = offsets(count: rows, total: p.top - p.bottom, space: p.hspace)
    let horizontal = offsets(count: columns, total: p.right - p.left, space: p.wspace)
    var slots: [FractionBox] = []
    for (top, bottom) in vertical {
      for (left, right) in horizontal {
        slots.append(FractionBox(x0: p.left + left, y0: p.top - bottom, x1: p.left + right, y1: p.top - top))
      }
    }
    return slots
  }
}
