import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// Positions of `show_heatmaps(matrices, 'Keys', 'Queries', titles, figsize)`
/// from the seed note, printed by matplotlib 3.11 (Agg backend) with
/// `ax.get_position()` and `cbar.ax.get_position()` after `fig.canvas.draw()`,
/// as figure fractions [x0, y0, x1, y1].
@Suite struct LayoutGeometryTests {
  struct Reference {
    var shape: [Int]
    var figsize: FigureSize
    var panels: [[Int]: [Double]]
    var colorbar: [Double]
  }

  static let references: [Reference] = [
    Reference(
      shape: [1, 1, 10, 10], figsize: FigureSize(width: 2.5, height: 2.5),
      panels: [[0, 0]: [0.125, 0.185, 0.745, 0.8049999999999999]],
      colorbar: [0.78375, 0.264, 0.80685, 0.726]),
    Reference(
      shape: [2, 3, 10, 10], figsize: FigureSize(width: 2.5, height: 2.5),
      panels: [
        [0, 0]: [0.125, 0.6138235294117647, 0.30735294117647055, 0.7961764705882353],
        [0, 2]: [0.5626470588235294, 0.6138235294117647, 0.745, 0.7961764705882353],
        [1, 0]: [0.125, 0.19382352941176473, 0.30735294117647055, 0.3761764705882353],
        [1, 2]: [0.5626470588235294, 0.1938235294117647, 0.745, 0.37617647058823533],
      ],
      colorbar: [0.78375, 0.264, 0.80685, 0.726]),
    Reference(
      shape: [6, 12, 128, 128], figsize: FigureSize(width: 2.5, height: 2.5),
      panels: [
        [0, 0]: [0.125, 0.8031690140845071, 0.1686619718309859, 0.846830985915493],
        [0, 11]: [0.701338028169014, 0.803169014084507, 0.745, 0.846830985915493],
        [5, 0]: [0.125, 0.14316901408450702, 0.1686619718309859, 0.18683098591549294],
        [5, 11]: [0.701338028169014, 0.143169014084507, 0.745, 0.18683098591549296],
      ],
      colorbar: [0.78375, 0.264, 0.80685, 0.726]),
    // Wide figure: panels narrower than their slots sit at the slot's right edge.
    Reference(
      shape: [1, 2, 5, 9], figsize: FigureSize(width: 8, height: 2.5),
      panels: [
        [0, 0]: [0.125, 0.2444949494949495, 0.4068181818181818, 0.7455050505050504],
        [0, 1]: [0.4631818181818181, 0.2444949494949495, 0.7449999999999999, 0.7455050505050504],
      ],
      colorbar: [0.78375, 0.264, 0.79096875, 0.726]),
    Reference(
      shape: [3, 1, 12, 4], figsize: FigureSize(width: 3.5, height: 5),
      panels: [
        [0, 0]: [0.6371568627450981, 0.6535294117647059, 0.7450000000000001, 0.88],
        [2, 0]: [0.6371568627450981, 0.10999999999999999, 0.7450000000000001, 0.3364705882352941],
      ],
      colorbar: [0.78375, 0.264, 0.81675, 0.726]),
  ]

  @Test(arguments: references.indices)
  func panelAndColorbarBoxesMatchMatplotlib(index: Int) throws {
    let reference = Self.references[index]
    let figure = try HeatmapFigure(
      matrices: randomTensor(reference.shape, seed: 7), xlabel: "Keys", ylabel: "Queries",
      figsize: reference.figsize, keepsTextInside: false)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    let columns = reference.shape[1]
    for (position, expected) in reference.panels {
      let panel = layout.panels[position[0] * columns + position[1]]
      #expect((panel.row, panel.column) == (position[0], position[1]))
      #expect(isClose(figureFractions(panel.frame, in: layout), expected), "panel \(position)")
    }
    #expect(layout.colorbars.count == 1)
    #expect(isClose(figureFractions(layout.colorbars[0].frame, in: layout), reference.colorbar))
  }

  @Test func colorbarIsSixTenthsOfTheGridHeightAndCentred() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([3, 2, 6, 6], seed: 3), figsize: FigureSize(width: 5, height: 4),
      keepsTextInside: false)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    let parameters = SubplotParameters.matplotlib
    let gridTop = (1 - parameters.top) * layout.height
    let gridBottom = (1 - parameters.bottom) * layout.height
    let bar = layout.colorbars[0].frame
    #expect(abs(bar.height - 0.6 * (gridBottom - gridTop)) < 1e-9)
    #expect(abs(bar.midY - (gridTop + gridBottom) / 2) < 1e-9)
    #expect(abs(bar.height / bar.width - 20) < 1e-9)
  }

  @Test func labelsOnlyOnTheOuterPanelsAndTitlesOverEveryColumn() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([2, 3, 10, 10], seed: 11), xlabel: "Keys", ylabel: "Queries",
      titles: ["a", "b", "c"], figsize: FigureSize(width: 6, height: 4))
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    for panel in layout.panels {
      let bottom = panel.row == 1
      let first = panel.column == 0
      #expect((panel.xlabel != nil) == bottom)
      #expect((panel.ylabel != nil) == first)
      #expect(panel.xTicks.contains { $0.label != nil } == bottom)
      #expect(panel.yTicks.contains { $0.label != nil } == first)
      #expect(!panel.xTicks.isEmpty && !panel.yTicks.isEmpty, "tick marks on every panel")
      let title = try #require(panel.title)
      #expect(title.string == ["a", "b", "c"][panel.column])
      #expect(abs(title.bounds.midX - panel.frame.midX) < 1e-9)
      #expect(title.bounds.maxY < panel.frame.minY)
      if let xlabel = panel.xlabel {
        #expect(xlabel.string == "Keys")
        #expect(abs(xlabel.bounds.midX - panel.frame.midX) < 1e-9)
        let tickLabelBottom = panel.xTicks.compactMap { $0.label?.bounds.maxY }.max()!
        #expect(abs(xlabel.bounds.minY - (tickLabelBottom + 4)) < 1e-9)
      }
      if let ylabel = panel.ylabel {
        #expect(ylabel.rotation == .vertical)
        #expect(abs(ylabel.bounds.midY - panel.frame.midY) < 1e-9)
        let tickLabelLeft = panel.yTicks.compactMap { $0.label?.bounds.minX }.min()!
        #expect(abs(ylabel.bounds.maxX - (tickLabelLeft - 4)) < 1e-9)
      }
    }
  }

  @Test func textPositionsFollowMatplotlibPaddings() throws {
    let figure = try HeatmapFigure(
      matrices: Tensor.eye(10), xlabel: "Keys", ylabel: "Queries", titles: ["Title"],
      keepsTextInside: false)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    let panel = layout.panels[0]
    // matplotlib 3.11, Agg, figsize 2.5: axes box 22.5...134.1 × 35.1...146.7 pt
    // (from the top); x tick labels' top 153.70, x label's top 167.70 (both
    // with "lp" metrics), title baseline 6 pt above the axes.
    #expect(
      isClose(
        [panel.frame.minX, panel.frame.maxX, panel.frame.minY, panel.frame.maxY],
        [22.5, 134.1, 35.1, 146.7], tolerance: 1e-9))
    let xTickTop = panel.xTicks.compactMap { $0.label?.bounds.minY }
    #expect(xTickTop.allSatisfy { abs($0 - 153.7) < 1e-9 })
    let title = try #require(panel.title)
    #expect(abs(title.origin.y - (35.1 - 6)) < 1e-9)
    let xlabel = try #require(panel.xlabel)
    let tickLabelHeight = PangoTextMeasurer().metrics(of: "0", fontSize: 10).height
    #expect(abs(xlabel.bounds.minY - (153.7 + tickLabelHeight + 4)) < 1e-9)
    // Tick marks: outward from the spine, 3.5 pt.
    for tick in panel.xTicks {
      #expect(tick.mark.start.y == panel.frame.maxY && abs(tick.mark.end.y - tick.mark.start.y - 3.5) < 1e-12)
    }
    for tick in panel.yTicks {
      #expect(tick.mark.start.x == panel.frame.minX && abs(tick.mark.start.x - tick.mark.end.x - 3.5) < 1e-12)
    }
  }

  @Test func fittedLayoutKeepsEveryTextInsideAndMatchesWhenNothingSticksOut() throws {
    let tensor = randomTensor([2, 3, 7, 9], seed: 5)
    let measurer = PangoTextMeasurer()
    let tight = try HeatmapFigure(
      matrices: tensor, xlabel: "键", ylabel: "查询", titles: ["Head 1", "Head 2", "Head 3"],
      rowTitles: ["Layer 1", "Layer 2"])
    let layout = layoutFigure(tight, measurer: measurer)
    let bounds = layout.contentBounds
    #expect(
      bounds.minX >= 0 && bounds.minY >= 0 && bounds.maxX <= layout.width && bounds.maxY <= layout.height)
    // A roomy figure needs no fitting: the geometry stays matplotlib's.
    let roomy = try HeatmapFigure(matrices: tensor, figsize: FigureSize(width: 9, height: 6))
    let roomyLayout = layoutFigure(roomy, measurer: measurer)
    #expect(roomyLayout.subplotParameters == .matplotlib)
  }

  @Test func rowTitlesSitLeftOfTheYLabelCentredOnTheirRow() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([3, 2, 5, 5], seed: 9), ylabel: "Queries",
      rowTitles: ["Layer 1", "Layer 2", "Layer 3"], figsize: FigureSize(width: 5, height: 6))
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    for panel in layout.panels {
      guard panel.column == 0 else {
        #expect(panel.rowTitle == nil)
        continue
      }
      let rowTitle = try #require(panel.rowTitle)
      let ylabel = try #require(panel.ylabel)
      #expect(rowTitle.string == "Layer \(panel.row + 1)")
      #expect(rowTitle.bounds.maxX < ylabel.bounds.minX)
      #expect(abs(rowTitle.bounds.midY - panel.frame.midY) < 1e-9)
    }
  }

  @Test func perPanelScaleGivesEachPanelItsOwnColorbar() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([2, 2, 4, 4], seed: 2), figsize: FigureSize(width: 7, height: 6),
      colorScale: .perPanel)
    let layout = layoutFigure(figure, measurer: PangoTextMeasurer())
    #expect(layout.colorbars.count == 4)
    for (panel, bar) in zip(layout.panels, layout.colorbars) {
      #expect(bar.valueRange == panel.valueRange)
      #expect(bar.frame.minX > panel.frame.maxX)
      #expect(abs(bar.frame.height / bar.frame.width - 20) < 1e-9)
    }
    let everything = layout.panels.map(\.frame) + layout.colorbars.map(\.frame)
    for (i, a) in everything.enumerated() {
      for b in everything[(i + 1)...] { #expect(!a.intersects(b)) }
    }
  }
}
