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
}
