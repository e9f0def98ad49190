/// Where everything of a figure goes, in points (1/72 inch) from the figure's
/// top-left corner: the one description every renderer draws from.
public struct FigureLayout: Sendable {
  /// The figure's width in points.
  public var width: Double
  /// The figure's height in points.
  public var height: Double
  /// Pixels per inch for raster output.
  public var dpi: Double
  /// The subplot parameters the grid was laid out with, as figure fractions.
  public var subplotParameters: SubplotParameters
  /// The panels in row-major order.
  public var panels: [PanelLayout]
  /// One colorbar for a shared colour scale, one per panel otherwise.
  public var colorbars: [ColorbarLayout]
  /// The width of spines, tick marks and colorbar outlines, in points.
  public var lineWidth: Double
  /// What the layout left out and why, e.g. annotations in cells too small
  /// for text.
  public var notes: [String]

  /// Every text of the figure, panels first, then colorbars.
  public var texts: [FigureText] {
    panels.flatMap(\.texts) + colorbars.flatMap(\.texts)
  }

  /// The box around everything drawn: panels, tick marks, texts, colorbars.
  public var contentBounds: Rect {
    var boxes = panels.map(\.frame) + colorbars.map(\.frame) + texts.map(\.bounds)
    for ticks in panels.map({ $0.xTicks + $0.yTicks }) + colorbars.map(\.ticks) {
      boxes += ticks.map { Rect(spanning: $0.mark.start, $0.mark.end) }
    }
    return boxes.dropFirst().reduce(boxes[0]) { $0.union($1) }
  }
}

/// One heatmap of the grid: its image box and everything around it.
public struct PanelLayout: Sendable {
  /// The panel's row in the grid.
  public var row: Int
  /// The panel's column in the grid.
  public var column: Int
  /// The axes box, which the image fills: cell (i, j) covers the `j`-th of
  /// `W` equal columns and the `i`-th of `H` equal rows, row 0 at the top.
  public var frame: Rect
  /// The values the colormap spans in this panel.
  public var valueRange: ValueRange
  /// Whether some cells are NaN or infinite, drawn as a hatch.
  public var hasMissingValues: Bool
  /// Ticks along the bottom edge, at cell centres.
  public var xTicks: [Tick]
  /// Ticks along the left edge, at cell centres.
  public var yTicks: [Tick]
  /// The column title above the panel.
  public var title: FigureText?
  /// The x label below the panel (bottom row only).
  public var xlabel: FigureText?
  /// The y label left of the panel (first column only).
  public var ylabel: FigureText?
  /// The row title left of the y label (first column only).
  public var rowTitle: FigureText?
  /// Values written in the cells.
  public var annotations: [FigureText]

  /// The texts of the panel: titles, labels, tick labels and annotations.
  public var texts: [FigureText] {
    [title, xlabel, ylabel, rowTitle].compactMap { $0 }
      + (xTicks + yTicks).compactMap(\.label) + annotations
  }
}

/// A colorbar: the colormap drawn from `valueRange.lower` at the bottom to
/// `valueRange.upper` at the top, with ticks on its right.
public struct ColorbarLayout: Sendable {
  /// The bar's box.
  public var frame: Rect
  /// The values from the bottom edge to the top edge.
  public var valueRange: ValueRange
  /// Ticks along the right edge.
  public var ticks: [Tick]
  /// A common factor or offset of the tick labels, e.g. `1e−5`, above the bar.
  public var offsetText: FigureText?
  /// The figure's `colorbarLabel`, reading upwards right of the tick labels.
  public var label: FigureText?

  /// The tick labels, the offset text and the label.
  public var texts: [FigureText] {
    ticks.compactMap(\.label) + [offsetText, label].compactMap { $0 }
  }
}

/// A tick: a short mark outward from an edge and, maybe, its label.
public struct Tick: Sendable {
  /// The data value at the tick: a cell index on panels, a value on colorbars.
  public var value: Double
  /// The mark, from the edge outward.
  public var mark: LineSegment
  /// The label; `nil` where labels are hidden (inner panels, thinned labels).
  public var label: FigureText?
}

/// A straight line between two points.
public struct LineSegment: Sendable, Equatable {
  public var start: Point
  public var end: Point

  public init(start: Point, end: Point) {
    self.start = start
    self.end = end
  }
}

/// A piece of text, placed.
public struct FigureText: Sendable {
  /// The text.
  public var string: String
  /// The font size in points.
  public var fontSize: Double
  /// The start of the text's baseline. For vertical text the baseline runs
  /// upwards from here.
  public var origin: Point
  /// Horizontal, or turned 90° counter-clockwise to read bottom to top.
  public var rotation: TextRotation
  /// The box the text occupies on the figure.
  public var bounds: Rect
  /// The colour of the glyphs.
  public var color: RGB
}

/// The direction a text reads in.
public enum TextRotation: Sendable {
  /// Left to right.
  case horizontal
  /// Bottom to top, turned 90° counter-clockwise.
  case vertical
}
