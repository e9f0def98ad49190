/// Draws `figure` as text for a terminal with 24-bit colour: each character is
/// an upper half block whose foreground is one cell and whose background is
/// the cell below, so a character holds two rows. Each matrix cell gets one
/// half block when the panels fit in `columns` across and as many lines down;
/// otherwise cells are averaged into fewer blocks, keeping cells square.
/// Titles and labels are plain text; the last lines are a colour legend from
/// the lower to the upper value.
///
/// - Parameters:
///   - columns: the terminal's width in characters.
/// - Returns: lines separated by "\n", ending with a newline.
public func renderTerminalPreview(_ figure: HeatmapFigure, columns: Int) -> String {
  TerminalPreview(figure: figure, columns: columns).render()
}

struct TerminalPreview {
  let figure: HeatmapFigure
  let columns: Int

  private static let gap = 2
  /// Missing cells: a grey no colormap here uses.
  private static let missing: (UInt8, UInt8, UInt8) = (0xBD, 0xBD, 0xBD)
  private static let upperHalfBlock = "\u{2580}"
  private static let reset = "\u{1B}[0m"

  func render() -> String {
    let grid = figure.gridShape
    let ranges = figure.valueRanges()
    let panelWidth = max(1, (columns - Self.gap * (grid.columns - 1)) / grid.columns)
    // Cells per block along both axes, so that blocks stay square, and so
    // that a panel is no more lines tall than the terminal is wide.
    let tallest = 2 * max(1, columns)
    let cellsPerBlock = max(
      1, (grid.width + panelWidth - 1) / panelWidth, (grid.height + tallest - 1) / tallest)
    // Small matrices are enlarged, up to 4 blocks a cell, so a 4×4 map is not 4 characters wide.
    let blocksPerCell = cellsPerBlock == 1 ? max(1, min(4, panelWidth / max(1, grid.width))) : 1
    let blockColumns = (grid.width + cellsPerBlock - 1) / cellsPerBlock * blocksPerCell
    let blockRows = (grid.height + cellsPerBlock - 1) / cellsPerBlock * blocksPerCell
    var lines: [String] = []
    if let ylabel = figure.ylabel, !ylabel.isEmpty { lines.append("\(ylabel) ↓") }
    for row in 0..<grid.rows {
      if let rowTitles = figure.rowTitles, row < rowTitles.count { lines.append(rowTitles[row]) }
      if let titles = figure.titles {
        lines.append(
          (0..<grid.columns).map { centred(column: $0 < titles.count ? titles[$0] : "", width: blockColumns) }
            .joined(separator: String(repeating: " ", count: Self.gap)).trailingSpacesRemoved())
      }
      let panels = (0..<grid.columns).map { column in
        enlarged(
          colors(
            row: row, column: column, range: figure.valueRange(row: row, column: column, in: ranges),
            cellsPerBlock: cellsPerBlock, blockRows: blockRows / blocksPerCell,
            blockColumns: blockColumns / blocksPerCell),
          by: blocksPerCell)
      }
      for line in stride(from: 0, to: blockRows, by: 2) {
        let text = panels.map { blocks in
          (0..<blockColumns).map { x in
            halfBlock(top: blocks[line][x], bottom: line + 1 < blockRows ? blocks[line + 1][x] : nil)
          }.joined() + Self.reset
        }
        lines.append(text.joined(separator: String(repeating: " ", count: Self.gap)))
      }
    }
    if let xlabel = figure.xlabel, !xlabel.isEmpty { lines.append("\(xlabel) →") }
    if cellsPerBlock > 1 {
      lines.append("(each block averages \(cellsPerBlock)×\(cellsPerBlock) cells)")
    }
    lines += legend(ranges: ranges, grid: grid)
    return lines.joined(separator: "\n") + "\n"
  }

  /// Each block repeated `factor` times across and down.
  private func enlarged(_ blocks: [[(UInt8, UInt8, UInt8)]], by factor: Int) -> [[(UInt8, UInt8, UInt8)]] {
    guard factor > 1 else { return blocks }
    return blocks.flatMap { row in
      repeatElement(row.flatMap { repeatElement($0, count: factor) }, count: factor)
    }
  }

  /// The colour of each block of a panel: the mean of the finite values the
  /// block covers, or the missing-value grey where it covers none.
  private func colors(
    row: Int, column: Int, range: ValueRange, cellsPerBlock: Int, blockRows: Int, blockColumns: Int
  ) -> [[(UInt8, UInt8, UInt8)]] {
    let grid = figure.gridShape
    let start = (row * grid.columns + column) * grid.height * grid.width
    return figure.matrices.scalars.withUnsafeBufferPointer { scalars in
      (0..<blockRows).map { blockRow in
        (0..<blockColumns).map { blockColumn in
          var sum = 0.0
          var count = 0
          for i in (blockRow * cellsPerBlock)..<min(grid.height, (blockRow + 1) * cellsPerBlock) {
            for j in (blockColumn * cellsPerBlock)..<min(grid.width, (blockColumn + 1) * cellsPerBlock) {
              let value = scalars[start + i * grid.width + j]
              if value.isFinite {
                sum += Double(value)
                count += 1
              }
            }
          }
          guard count > 0 else { return Self.missing }
          let value = sum / Double(count)
          return figure.colormap.color(at: range.normalized(value)).bytes
        }
      }
    }
  }

  private func halfBlock(top: (UInt8, UInt8, UInt8), bottom: (UInt8, UInt8, UInt8)?) -> String {
    let foreground = "\u{1B}[38;2;\(top.0);\(top.1);\(top.2)m"
    guard let bottom else { return foreground + "\u{1B}[49m" + Self.upperHalfBlock }
    return foreground + "\u{1B}[48;2;\(bottom.0);\(bottom.1);\(bottom.2)m" + Self.upperHalfBlock
  }

  /// A gradient from the colormap's first to last colour between the range's ends.
  private func legend(ranges: [ValueRange], grid: (rows: Int, columns: Int, height: Int, width: Int))
    -> [String]
  {
    let steps = 24
    let gradient =
      (0..<steps).map { step -> String in
        let (red, green, blue) = figure.colormap.color(at: (Double(step) + 0.5) / Double(steps)).bytes
        return "\u{1B}[48;2;\(red);\(green);\(blue)m "
      }.joined() + Self.reset
    var lines: [String] = []
    if ranges.count == 1 {
      lines.append("\(number(ranges[0].lower)) \(gradient) \(number(ranges[0].upper))")
    } else {
      lines.append("low \(gradient) high, per panel:")
      for (index, range) in ranges.enumerated() {
        let (row, column) = (index / grid.columns, index % grid.columns)
        let name =
          [(figure.rowTitles, row), (figure.titles, column)].compactMap { titles, index in
            titles.flatMap { index < $0.count ? $0[index] : nil }
          }.joined(separator: " / ")
        let label = name.isEmpty ? "panel (\(row), \(column))" : name
        lines.append("  \(label): \(number(range.lower)) … \(number(range.upper))")
      }
    }
    if figure.matrices.scalars.contains(where: { !$0.isFinite }) {
      let (red, green, blue) = Self.missing
      lines.append("\u{1B}[48;2;\(red);\(green);\(blue)m  \(Self.reset) NaN or infinite")
    }
    return lines
  }

  private func number(_ value: Double) -> String {
    typographicMinus(cFormat("%.4g", value))
  }

  private func centred(column text: String, width: Int) -> String {
    let clipped = String(text.prefix(width))
    let padding = width - clipped.count
    return String(repeating: " ", count: padding / 2) + clipped
      + String(repeating: " ", count: padding - padding / 2)
  }
}

extension String {
  fileprivate func trailingSpacesRemoved() -> String {
    var result = self
    while result.last == " " { result.removeLast() }
    return result
  }
}
