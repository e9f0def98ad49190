import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct HeatmapFigureTests {
  @Test func promotesTwoAndThreeDimensionalMatrices() throws {
    let matrix = randomTensor([3, 5], seed: 1)
    let single = try HeatmapFigure(matrices: matrix)
    #expect(single.matrices.shape == [1, 1, 3, 5])
    #expect(single.matrices.scalars == matrix.scalars)
    let row = try HeatmapFigure(matrices: randomTensor([4, 3, 5], seed: 2))
    #expect(row.matrices.shape == [1, 4, 3, 5])
    #expect(row.gridShape == (1, 4, 3, 5))
  }

  typealias Make = @Sendable () throws(HeatmapError) -> HeatmapFigure

  static let invalidFigures: [(String, Make, HeatmapError, String)] = [
    (
      "titles",
      { () throws(HeatmapError) in
        try HeatmapFigure(matrices: .zeros([1, 2, 3, 3]), titles: ["a", "b", "c"])
      },
      .titleCount(titles: 3, columns: 2), "3 titles for 2 columns"
    ),
    (
      "row titles",
      { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([2, 1, 3, 3]), rowTitles: ["x"]) },
      .rowTitleCount(titles: 1, rows: 2), "1 row title for 2 rows"
    ),
    (
      "x tick labels",
      { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([3, 4]), xTickLabels: ["a", "b"]) },
      .xTickLabelCount(labels: 2, width: 4), "2 x tick labels for matrices 4 columns wide"
    ),
    (
      "y tick labels",
      { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([3, 4]), yTickLabels: ["a"]) },
      .yTickLabelCount(labels: 1, height: 3), "1 y tick label for matrices 3 rows high"
    ),
    (
      "zero width",
      { () throws(HeatmapError) in
        try HeatmapFigure(matrices: .eye(2), figsize: FigureSize(width: 0, height: 2))
      },
      .invalidFigureSize(width: 0, height: 2), "figure size 0.0×2.0 inches"
    ),
    (
      "negative height",
      { () throws(HeatmapError) in
        try HeatmapFigure(matrices: .eye(2), figsize: FigureSize(width: 2, height: -1))
      },
      .invalidFigureSize(width: 2, height: -1), "must be positive and finite"
    ),
    (
      "infinite",
      { () throws(HeatmapError) in
        try HeatmapFigure(matrices: .eye(2), figsize: FigureSize(width: .infinity, height: 2))
      },
      .invalidFigureSize(width: .infinity, height: 2), "inf×2.0"
    ),
    (
      "dpi", { () throws(HeatmapError) in try HeatmapFigure(matrices: .eye(2), dpi: 0) }, .invalidDPI(0),
      "dpi 0.0"
    ),
    (
      "rank 1", { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([5])) },
      .unsupportedRank(shape: [5]),
      "matrices of shape [5] have rank 1"
    ),
    (
      "rank 5", { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([1, 1, 1, 2, 2])) },
      .unsupportedRank(shape: [1, 1, 1, 2, 2]), "rank 5"
    ),
    (
      "empty", { () throws(HeatmapError) in try HeatmapFigure(matrices: .zeros([2, 0, 3, 3])) },
      .emptyMatrices(shape: [2, 0, 3, 3]), "matrices of shape [2, 0, 3, 3] hold no cells"
    ),
    (
      "vmin ≥ vmax", { () throws(HeatmapError) in try HeatmapFigure(matrices: .eye(2), vmin: 1, vmax: 0.5) },
      .invalidLimits(vmin: 1, vmax: 0.5), "vmin 1.0 must be less than vmax 0.5"
    ),
    (
      "vmin = vmax", { () throws(HeatmapError) in try HeatmapFigure(matrices: .eye(2), vmin: 1, vmax: 1) },
      .invalidLimits(vmin: 1, vmax: 1), "vmin 1.0 must be less than vmax 1.0"
    ),
    (
      "NaN vmax", { () throws(HeatmapError) in try HeatmapFigure(matrices: .eye(2), vmax: .nan) },
      .nonFiniteLimit(name: "vmax", value: .nan), "vmax nan"
    ),
  ]

  @Test(arguments: invalidFigures.indices)
  func initRejectsFiguresThatDoNotFit(index: Int) {
    let (name, make, expected, message) = Self.invalidFigures[index]
    do {
      _ = try make()
      Issue.record("\(name): no error")
    } catch {
      if case .nonFiniteLimit(let limit, let value) = expected {
        #expect(
          { if case .nonFiniteLimit(limit, let got) = error { got.isNaN == value.isNaN } else { false } }())
      } else {
        #expect(error == expected, "\(name)")
      }
      #expect(error.description.contains(message), "\(name): \(error.description)")
    }
  }

  @Test func changesAreCheckedWhenMadeAndARefusedOneChangesNothing() throws {
    var figure = try HeatmapFigure(matrices: .zeros([1, 2, 3, 3]), titles: ["a", "b"])
    #expect(throws: HeatmapError.titleCount(titles: 1, columns: 2)) { try figure.setTitles(["a"]) }
    #expect(figure.titles == ["a", "b"])
    #expect(throws: HeatmapError.rowTitleCount(titles: 2, rows: 1)) { try figure.setRowTitles(["x", "y"]) }
    #expect(throws: HeatmapError.xTickLabelCount(labels: 2, width: 3)) {
      try figure.setTickLabels(x: ["p", "q"], y: nil)
    }
    #expect(throws: HeatmapError.invalidDPI(0)) { try figure.setSize(.d2lDefault, dpi: 0) }
    #expect(throws: HeatmapError.invalidLimits(vmin: 2, vmax: 1)) { try figure.setLimits(vmin: 2, vmax: 1) }
    #expect(figure.dpi == 100 && figure.vmin == nil && figure.vmax == nil && figure.xTickLabels == nil)
    try figure.setTitles(["c", "d"])
    try figure.setTickLabels(x: ["p", "q", "r"], y: ["s", "t", "u"])
    try figure.setLimits(vmin: -1, vmax: 1)
    #expect(figure.titles == ["c", "d"] && figure.yTickLabels == ["s", "t", "u"] && figure.vmax == 1)
    // What was made whole draws without being checked again.
    #expect(try renderFigureData(figure, format: .png).bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
  }

  @Test func outputFormatComesFromTheExtension() throws {
    #expect(try OutputFormat(path: "out/fig.png") == .png)
    #expect(try OutputFormat(path: "FIG.SVG") == .svg)
    #expect(try OutputFormat(path: "a.b/fig.pdf") == .pdf)
    #expect(throws: HeatmapError.unknownFormat(path: "fig.jpeg", fileExtension: "jpeg")) {
      try OutputFormat(path: "fig.jpeg")
    }
    #expect(throws: HeatmapError.unknownFormat(path: "dir.png/figure", fileExtension: "")) {
      try OutputFormat(path: "dir.png/figure")
    }
    let error = HeatmapError.unknownFormat(path: "fig.jpeg", fileExtension: "jpeg")
    #expect(
      error.description == "fig.jpeg: extension '.jpeg' names no output format; use .png, .svg, .pdf or .html"
    )
  }
}
