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

@Suite struct LensFigureTests {
  private func attention(layers: Int, heads: Int) -> ModelAttention {
    let length = 3
    return ModelAttention(
      tokens: ["a", "b", "c"],
      attentions: Tensor(
        shape: [layers, heads, length, length],
        scalars: (0..<(layers * heads * length * length)).map { Float($0 % 7) / 7 }),
      kind: .bidirectional)
  }

  @Test func lensFiguresNameTheirLensOnTheTitlesAndTheScale() throws {
    let raw = try ModelFigure(attention(layers: 2, heads: 3))
    #expect(raw.heatmap.colorbarLabel == nil && raw.heatmap.titles == ["Head 1", "Head 2", "Head 3"])
    let norms = try ModelFigure(attention(layers: 2, heads: 3), lens: .valueNorm)
    #expect(norms.heatmap.colorbarLabel == "‖α·f(x)‖")
    #expect(norms.heatmap.titles == ["Head 1, value norm", "Head 2, value norm", "Head 3, value norm"])
    // Rollout has one map per layer; 12 layers wrap into a grid titled by layer.
    let rollout = try ModelFigure(attention(layers: 12, heads: 1), lens: .rollout)
    #expect(rollout.heatmap.colorbarLabel == "rollout")
    #expect(rollout.maps.shape == [12, 1, 3, 3])
    #expect(rollout.heatmap.panelTitles?.first == "Layer 1, rollout")
    let span = try SpanFigure(attention(layers: 2, heads: 3), span: 1..<3)
    #expect(span.heatmap.colorbarLabel == "summed attention weight")
    #expect(span.sums.shape == [2, 2, 3, 3])
  }
}
