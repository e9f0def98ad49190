import AttentionTestSupport
import Heatmaps
import Testing
import TransformerModels

@testable import AttentionFigures

@Suite struct ModelFigureTests {
  /// `[N, H, L, L]` with N = 3, H = 4, L = 5, random rows.
  let attention = ModelAttention(
    tokens: ["[CLS]", "the", "cat", "sat", "[SEP]"],
    attentions: Tensor(shape: [3, 4, 5, 5], scalars: (0..<300).map { _ in Float.random(in: 0...1) }),
    kind: .bidirectional)

  @Test func aRowPerLayerAColumnPerHeadAndTheTokensAsTicks() throws {
    let selection = try AttentionSelection(layers: [3, 1], heads: [2, 4], layerCount: 3, headCount: 4)
    let figure = try ModelFigure(attention, selection: selection)
    #expect(figure.maps == selection.select(attention.attentions))
    #expect(figure.heatmap.matrices == figure.maps)
    #expect(figure.heatmap.titles == ["Head 2", "Head 4"])
    #expect(figure.heatmap.rowTitles == ["Layer 3", "Layer 1"])
    #expect(figure.heatmap.xTickLabels == attention.tokens && figure.heatmap.yTickLabels == attention.tokens)
    #expect(figure.heatmap.xlabel == "Keys" && figure.heatmap.ylabel == "Queries")
    #expect(figure.heatmap.colorScale == .shared)
  }

  @Test func theSizeIsFittedUnlessGiven() throws {
    let all = AttentionSelection.all(layerCount: 3, headCount: 4)
    let fitted = try ModelFigure(attention, selection: all).heatmap
    var expected = try HeatmapFigure(matrices: attention.attentions, xTickLabels: attention.tokens)
    fitModelFigure(&expected, rows: 3, columns: 4, tokens: attention.tokens)
    #expect(fitted.figsize == expected.figsize)
    #expect(fitted.subplotParameters == expected.subplotParameters)
    // d2l's 2.5 inches a panel at least: four panels and their margins.
    #expect(fitted.figsize.width > 4 * 2.5)
    let given = try ModelFigure(attention, selection: all, figsize: FigureSize(width: 7, height: 3)).heatmap
    #expect(given.figsize == FigureSize(width: 7, height: 3))
    #expect(given.subplotParameters == .matplotlib)
  }

  @Test func combinedHeadsAreOneColumnTitledByTheirAggregate() throws {
    let selection = try AttentionSelection(heads: [1, 2, 3], layerCount: 3, headCount: 4, aggregate: .mean)
    let figure = try ModelFigure(attention, selection: selection, colorScale: .perPanel)
    #expect(figure.maps.shape == [3, 1, 5, 5])
    #expect(figure.heatmap.titles == ["mean of heads 1-3"])
    #expect(figure.heatmap.colorScale == .perPanel)
  }

  @Test func aSelectionPastTheRunIsRefused() throws {
    let larger = try AttentionSelection(layers: [5], layerCount: 6, headCount: 4)
    #expect(throws: SelectionError.self) { try ModelFigure(attention, selection: larger) }
    let moreHeads = try AttentionSelection(heads: [7], layerCount: 3, headCount: 8)
    #expect {
      try ModelFigure(attention, selection: moreHeads)
    } throws: { error in
      (error as? SelectionError)?.description.contains("heads 1-4") == true
    }
  }

  @Test func aCausalRunDrawsItsUpperTriangleMaskedAndScalesOnlyTheRest() throws {
    // Odd sizes: 3 layers, 5 heads, 7 tokens.
    let run = randomCausalRun(layerCount: 3, headCount: 5, promptTokenCount: 4, generatedCount: 3, seed: 11)
    let selection = try AttentionSelection(layers: [2, 3], heads: [1, 4, 5], layerCount: 3, headCount: 5)
    let figure = try ModelFigure(run.attention, selection: selection)
    #expect(figure.maps == selection.select(run.attention.attentions))
    #expect(figure.heatmap.missingCellName == "masked")
    let length = 7
    var lowest = Float.infinity
    var highest = -Float.infinity
    for (index, drawn) in figure.heatmap.matrices.scalars.enumerated() {
      let (query, key) = (index / length % length, index % length)
      let value = figure.maps.scalars[index]
      if key > query {
        #expect(drawn.isNaN && value == 0, "cell \(index) (\(query), \(key)) must be masked")
      } else {
        #expect(drawn == value && value > 0)
        lowest = min(lowest, value)
        highest = max(highest, value)
      }
    }
    // The zeros of the upper triangle would pull the scale's bottom to 0.
    let range = try #require(figure.heatmap.valueRanges().first)
    #expect(range.lower == Double(lowest) && range.upper == Double(highest) && lowest > 0)
    let bidirectional = try ModelFigure(self.attention, selection: .all(layerCount: 3, headCount: 4))
    #expect(bidirectional.heatmap.missingCellName == "missing")
    #expect(!bidirectional.heatmap.matrices.scalars.contains { $0.isNaN })
  }

  @Test func withoutASelectionSmallModelsShowEveryHeadAndLargeOnesTheMeanOfEachLayer() throws {
    #expect(ModelFigure.defaultSelection(layerCount: 6, headCount: 12) == .all(layerCount: 6, headCount: 12))
    #expect(
      ModelFigure.defaultSelection(layerCount: 12, headCount: 12) == .all(layerCount: 12, headCount: 12))
    let large = ModelFigure.defaultSelection(layerCount: 30, headCount: 9)
    #expect(large.layers == Array(0..<30) && large.heads == Array(0..<9) && large.aggregate == .mean)
    let minilm = ModelAttention(
      tokens: attention.tokens, attentions: Tensor(repeating: 0.2, shape: [6, 12, 5, 5]), kind: .bidirectional
    )
    let unchanged = try ModelFigure(minilm)
    #expect(unchanged.heatmap.gridShape == (6, 12, 5, 5))
    #expect(unchanged.heatmap.titles?.first == "Head 1" && unchanged.heatmap.rowTitles?.last == "Layer 6")
    #expect(unchanged.heatmap.panelTitles == nil)
  }

  @Test func manyCombinedLayersWrapIntoAGridTitledByLayer() throws {
    let run = randomCausalRun(layerCount: 30, headCount: 9, promptTokenCount: 3, generatedCount: 2, seed: 5)
    let figure = try ModelFigure(run.attention)
    #expect(figure.maps.shape == [30, 1, 5, 5])
    #expect(figure.heatmap.gridShape == (5, 6, 5, 5))
    #expect(figure.heatmap.titles == nil && figure.heatmap.rowTitles == nil)
    #expect(figure.heatmap.panelTitles?.count == 30)
    #expect(figure.heatmap.panelTitles?[7] == "Layer 8, mean of heads 1-9")
    // Panel 8 of the grid is layer 8's mean, the upper triangle masked.
    let panelSize = 25
    let drawn = Array(figure.heatmap.matrices.scalars[(7 * panelSize)..<(8 * panelSize)])
    let expected = maskingUpperTriangles(figure.maps).scalars[(7 * panelSize)..<(8 * panelSize)]
    #expect(zip(drawn, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
  }

  @Test func wrappedGridsTakeADivisorNearTheSquareRootOrStayAColumn() {
    #expect(wrappedGrid(panelCount: 8) == nil)
    #expect(wrappedGrid(panelCount: 9).map { [$0.rows, $0.columns] } == [3, 3])
    #expect(wrappedGrid(panelCount: 12).map { [$0.rows, $0.columns] } == [3, 4])
    #expect(wrappedGrid(panelCount: 30).map { [$0.rows, $0.columns] } == [5, 6])
    #expect(wrappedGrid(panelCount: 32).map { [$0.rows, $0.columns] } == [4, 8])
    #expect(wrappedGrid(panelCount: 31) == nil)
  }
}
