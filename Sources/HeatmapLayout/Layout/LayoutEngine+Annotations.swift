#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How cell values are written: font size and decimals, one choice for all cells.
struct AnnotationFormat: Equatable {
  var fontSize: Double
  var decimals: Int

  /// The value as text, "%.{decimals}f" with a typographic minus, and without
  /// the sign of a value that rounds to zero.
  func text(for value: Float) -> String {
    var text = cFormat("%.\(decimals)f", Double(value))
    if text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
      text.removeFirst()
    }
    return typographicMinus(text)
  }
}

extension LayoutEngine {
  /// Writes each finite value in its cell when `figure.annotate` is set and
  /// the cells are large enough for text; otherwise leaves a note.
  func annotate(_ panels: inout [PanelLayout], notes: inout [String]) {
    guard figure.annotate, let first = panels.first else { return }
    let cellWidth = first.frame.width / Double(grid.width)
    let cellHeight = first.frame.height / Double(grid.height)
    let finite = figure.matrices.scalars.filter(\.isFinite)
    guard let lowest = finite.min(), let highest = finite.max() else { return }
    let format: AnnotationFormat?
    if let cellTexts = figure.cellTexts {
      format = textFormat(cellWidth: cellWidth, cellHeight: cellHeight, texts: cellTexts)
    } else {
      format = annotationFormat(cellWidth: cellWidth, cellHeight: cellHeight, extremes: [lowest, highest])
    }
    guard let format else {
      let size = cFormat("%.1f×%.1f", cellWidth, cellHeight)
      notes.append(
        "values not written in the cells: cells are \(size) pt, too small for "
          + "\(cFormat("%g", style.annotationFontSizes.lowerBound)) pt text; enlarge the figure")
      return
    }
    if figure.cellTexts == nil, format.decimals < 2 || format.fontSize < style.annotationFontSizes.upperBound {
      notes.append(
        "values written with \(format.decimals) decimal\(format.decimals == 1 ? "" : "s") at "
          + "\(cFormat("%g", format.fontSize)) pt to fit the cells")
    }
    let panelSize = grid.height * grid.width
    figure.matrices.scalars.withUnsafeBufferPointer { scalars in
      for index in panels.indices {
        let panel = panels[index]
        let start = (panel.row * grid.columns + panel.column) * panelSize
        var texts: [FigureText] = []
        texts.reserveCapacity(panelSize)
        for row in 0..<grid.height {
          for column in 0..<grid.width {
            let value = scalars[start + row * grid.width + column]
            guard value.isFinite else { continue }
            let cellColor = figure.colormap.color(at: Double(panel.valueRange.normalized(value)))
            let color =
              cellColor.relativeLuminance > style.luminanceThreshold ? style.darkText : style.lightText
            let center = Point(
              x: panel.frame.minX + (Double(column) + 0.5) * cellWidth,
              y: panel.frame.minY + (Double(row) + 0.5) * cellHeight)
            let text = figure.cellTexts?[start + row * grid.width + column] ?? format.text(for: value)
            texts.append(
              placer.horizontal(text, fontSize: format.fontSize, at: center, .center, .center, color: color))
          }
        }
        panels[index].annotations = texts
      }
    }
  }

  /// The largest font at which the widest of `texts` fits its cell, or
  /// `nil` when even the smallest does not.
  func textFormat(cellWidth: Double, cellHeight: Double, texts: [String]) -> AnnotationFormat? {
    let sizes = style.annotationFontSizes
    let distinct = Set(texts)
    for size in stride(from: sizes.upperBound, through: sizes.lowerBound, by: -0.5) {
      let fits = distinct.allSatisfy { text in
        let metrics = measurer.metrics(of: text, fontSize: size)
        return metrics.width <= cellWidth * 0.9 && metrics.height <= cellHeight * 0.9
      }
      if fits { return AnnotationFormat(fontSize: size, decimals: 0) }
    }
    return nil
  }

  /// The largest font and the most decimals (up to two) at which the widest
  /// value fits its cell; decimals are given up before the font drops below
  /// 7 pt, but never so many that values spanning less than 10 (or 1) would
  /// print alike: weights in 0...1 keep two decimals or are not written.
  /// `nil` when even the smallest font does not fit.
  func annotationFormat(cellWidth: Double, cellHeight: Double, extremes: [Float]) -> AnnotationFormat? {
    let span = Double((extremes.max() ?? 0) - (extremes.min() ?? 0))
    let decimalChoices = [2, 1, 0].filter { $0 >= (span >= 10 ? 0 : span >= 1 ? 1 : 2) }
    let sizes = style.annotationFontSizes
    let readable = min(7.0, sizes.upperBound)
    let large = Array(stride(from: sizes.upperBound, through: readable, by: -0.5))
    let small = Array(stride(from: readable - 0.5, through: sizes.lowerBound, by: -0.5))
    func fits(_ format: AnnotationFormat) -> Bool {
      extremes.allSatisfy { value in
        let metrics = measurer.metrics(of: format.text(for: value), fontSize: format.fontSize)
        return metrics.width <= cellWidth * 0.9 && metrics.height <= cellHeight * 0.9
      }
    }
    for decimals in decimalChoices {
      for size in large where fits(AnnotationFormat(fontSize: size, decimals: decimals)) {
        return AnnotationFormat(fontSize: size, decimals: decimals)
      }
    }
    for size in small {
      for decimals in decimalChoices where fits(AnnotationFormat(fontSize: size, decimals: decimals)) {
        return AnnotationFormat(fontSize: size, decimals: decimals)
      }
    }
    return nil
  }
}
