extension HeatmapFigure {
  /// The colour ranges of the figure: one for `.shared`, one per panel in
  /// row-major order for `.perPanel`. NaN and infinite cells are left out;
  /// `vmin` and `vmax` take precedence over the data.
  public func valueRanges() -> [ValueRange] {
    let grid = gridShape
    let panelSize = grid.height * grid.width
    return matrices.scalars.withUnsafeBufferPointer { scalars in
      switch colorScale {
      case .shared:
        return [ValueRange.resolving(vmin: vmin, vmax: vmax, finiteExtrema: finiteExtrema(scalars[...]))]
      case .perPanel:
        return (0..<(grid.rows * grid.columns)).map { panel in
          let cells = scalars[(panel * panelSize)..<((panel + 1) * panelSize)]
          return ValueRange.resolving(vmin: vmin, vmax: vmax, finiteExtrema: finiteExtrema(cells))
        }
      }
    }
  }

  /// The colour range of the panel at `row`, `column`.
  public func valueRange(row: Int, column: Int, in ranges: [ValueRange]) -> ValueRange {
    ranges.count == 1 ? ranges[0] : ranges[row * gridShape.columns + column]
  }

  /// Whether any cell of the panel is NaN or infinite.
  func panelHasMissingValues(row: Int, column: Int) -> Bool {
    let grid = gridShape
    let panelSize = grid.height * grid.width
    let start = (row * grid.columns + column) * panelSize
    return matrices.scalars.withUnsafeBufferPointer { scalars in
      scalars[start..<(start + panelSize)].contains { !$0.isFinite }
    }
  }
}

private func finiteExtrema(_ values: Slice<UnsafeBufferPointer<Float>>) -> (min: Float, max: Float)? {
  var lowest = Float.infinity
  var highest = -Float.infinity
  for value in values where value.isFinite {
    lowest = min(lowest, value)
    highest = max(highest, value)
  }
  return lowest <= highest ? (lowest, highest) : nil
}
