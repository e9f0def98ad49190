import Heatmaps
import Testing
import TransformerModels

@testable import AttentionFigures

@Suite struct HeadAtlasFigureTests {
  /// A row per layer and a column per head, each cell the chosen statistic
  /// and labelled with the head's pattern, mixed heads blank.
  @Test(arguments: HeadStatistic.allCases)
  func cellsAreTheStatisticAndTheLabel(statistic: HeadStatistic) throws {
    let labels: [HeadLabel] = [.sink, .previousToken, .mixed, .broad, .self, .nextToken]
    let atlas = HeadAtlas(
      heads: (0..<2).map { layer in
        (0..<3).map { head in
          let k = Double(layer * 3 + head)
          return HeadStatistics(
            entropy: k, distance: k + 0.5, previous: k / 10, next: k / 20, selfWeight: k / 30, sink: k / 40,
            label: labels[layer * 3 + head])
        }
      })
    let figure = try HeadAtlasFigure(atlas, statistic: statistic).heatmap
    #expect(figure.matrices.shape == [1, 1, 2, 3])
    #expect(figure.titles == [statistic.title])
    #expect(figure.xTickLabels == ["1", "2", "3"] && figure.yTickLabels == ["1", "2"])
    for (index, value) in figure.matrices.scalars.enumerated() {
      #expect(value == Float(statistic.value(of: atlas.heads[index / 3][index % 3])))
    }
    #expect(figure.cellTexts == ["sink", "prev", "", "broad", "self", "next"])
    #expect(figure.annotate)
  }
}
