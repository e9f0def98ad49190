import AttentionTestSupport
import Heatmaps
import Testing
import TransformerModels

@testable import AttentionFigures

@Suite struct GenerationFigureTests {
  // Odd sizes: 3 layers, 5 heads, a prompt of 4 and 7 written tokens.
  let run = randomCausalRun(layerCount: 3, headCount: 5, promptTokenCount: 4, generatedCount: 7, seed: 23)

  /// The weight token `query` gave `key` in the chosen map, from the
  /// definitions, in Float64: the heads combined in each layer, then the
  /// layers.
  func reference(
    layers: [Int], heads: [Int], headAggregate: AttentionSelection.Aggregation?,
    layerAggregate: AttentionSelection.Aggregation?, head: Int, query: Int, key: Int
  ) -> Double {
    let attentions = run.attention.attentions
    let (headCount, length) = (attentions.shape[1], attentions.shape[2])
    func weight(_ layer: Int, _ head: Int) -> Double {
      Double(attentions.scalars[((layer * headCount + head) * length + query) * length + key])
    }
    func layerValue(_ layer: Int) -> Double {
      switch headAggregate {
      case nil: return weight(layer, heads[head])
      case .mean: return heads.map { weight(layer, $0) }.reduce(0, +) / Double(heads.count)
      case .max: return heads.map { weight(layer, $0) }.max()!
      }
    }
    switch layerAggregate {
    case nil: return layerValue(layers[0])
    case .mean: return layers.map(layerValue).reduce(0, +) / Double(layers.count)
    case .max: return layers.map(layerValue).max()!
    }
  }

  @Test func eachWrittenTokenIsTheRowItWasChosenFromMaskedPastItsLastEarlierToken() throws {
    let selection = try AttentionSelection(layers: [2], heads: [4], layerCount: 3, headCount: 5)
    let figure = try GenerationFigure(run, selection: selection)
    let (promptCount, generatedCount, width) = (4, 7, 10)
    #expect(figure.rows.shape == [1, 1, generatedCount, width])
    #expect(figure.heatmap.gridShape == (1, 1, generatedCount, width))
    #expect(figure.heatmap.yTickLabels == (0..<7).map { "g\($0)" })
    #expect(figure.heatmap.xTickLabels == (0..<4).map { "p\($0)" } + (0..<6).map { "g\($0)" })
    #expect(figure.heatmap.titles == ["Layer 2, head 4"])
    #expect(figure.heatmap.missingCellName == "masked")
    for k in 0..<generatedCount {
      for column in 0..<width {
        let drawn = figure.heatmap.matrices.scalars[k * width + column]
        if column > promptCount + k - 1 {
          #expect(drawn.isNaN, "row \(k), column \(column) must be masked")
        } else {
          let expected = reference(
            layers: [1], heads: [3], headAggregate: nil, layerAggregate: nil, head: 0,
            query: promptCount + k - 1, key: column)
          #expect(Double(drawn) == expected, "row \(k), column \(column)")
        }
      }
    }
    // Every row still sums to 1 over the tokens it saw.
    for k in 0..<generatedCount {
      let sum = (0..<(promptCount + k)).map { Double(figure.rows.scalars[k * width + $0]) }.reduce(0, +)
      #expect(abs(sum - 1) < 1e-5)
    }
  }

  @Test(arguments: [
    (AttentionSelection.Aggregation?.some(.mean), AttentionSelection.Aggregation?.some(.mean)),
    (.max, .mean), (.mean, nil), (nil, .mean), (.max, .max),
  ])
  func aggregatesMatchTheirDefinitions(
    headAggregate: AttentionSelection.Aggregation?, layerAggregate: AttentionSelection.Aggregation?
  ) throws {
    let (layers, heads) = ([1, 3], [2, 3, 5])
    let selection = try AttentionSelection(
      layers: layers, heads: heads, layerCount: 3, headCount: 5, aggregate: headAggregate)
    let figure = try GenerationFigure(run, selection: selection, layerAggregate: layerAggregate)
    let panelRows = layerAggregate == nil ? layers.count : 1
    let panelColumns = headAggregate == nil ? heads.count : 1
    #expect(figure.rows.shape == [panelRows, panelColumns, 7, 10])
    for row in 0..<panelRows {
      for column in 0..<panelColumns {
        for k in 0..<7 {
          for key in 0..<(4 + k) {
            let index = (((row * panelColumns + column) * 7) + k) * 10 + key
            let expected = reference(
              layers: (layerAggregate == nil ? [layers[row]] : layers).map { $0 - 1 },
              heads: heads.map { $0 - 1 },
              headAggregate: headAggregate, layerAggregate: layerAggregate, head: column, query: 3 + k,
              key: key)
            let drawn = Double(figure.rows.scalars[index])
            #expect(
              abs(drawn - expected) <= 1e-6 * max(1, expected),
              "panel (\(row), \(column)) row \(k) key \(key)")
          }
          for key in (4 + k)..<10 {
            #expect(figure.rows.scalars[(((row * panelColumns + column) * 7) + k) * 10 + key].isNaN)
          }
        }
      }
    }
  }

  @Test func titlesSayWhatIsShown() throws {
    func title(
      _ layers: [Int]?, _ heads: [Int]?, _ aggregate: AttentionSelection.Aggregation?,
      _ layerAggregate: AttentionSelection.Aggregation?
    ) throws -> [String]? {
      let selection = try AttentionSelection(
        layers: layers, heads: heads, layerCount: 3, headCount: 5, aggregate: aggregate)
      return try GenerationFigure(run, selection: selection, layerAggregate: layerAggregate).heatmap.titles
    }
    #expect(try title([3], [1], nil, nil) == ["Layer 3, head 1"])
    #expect(try title(nil, nil, .mean, .mean) == ["mean of heads 1-5, layers 1-3"])
    #expect(try title(nil, nil, .max, .mean) == ["max of heads 1-5, mean of layers 1-3"])
    #expect(try title([2], nil, .mean, nil) == ["mean of heads 1-5, layer 2"])
    #expect(try title([1, 3], [2], nil, .mean) == ["Head 2, mean of layers 1,3"])
    let grid = try GenerationFigure(
      run, selection: AttentionSelection(heads: [1, 2], layerCount: 3, headCount: 5), layerAggregate: .max)
    #expect(grid.heatmap.titles == ["Head 1", "Head 2"] && grid.heatmap.rowTitles == ["max of layers 1-3"])
  }

  @Test func theDefaultIsModelFiguresAndManyLayersWrap() throws {
    let large = randomCausalRun(layerCount: 30, headCount: 9, promptTokenCount: 5, generatedCount: 3, seed: 2)
    let figure = try GenerationFigure(large)
    #expect(figure.selection == ModelFigure.defaultSelection(layerCount: 30, headCount: 9))
    #expect(figure.heatmap.gridShape == (5, 6, 3, 7))
    #expect(figure.heatmap.panelTitles?.first == "Layer 1, mean of heads 1-9")
  }

  @Test func aRunThatWroteNothingAndASelectionPastTheRunAreRefused() throws {
    let nothing = randomCausalRun(
      layerCount: 1, headCount: 2, promptTokenCount: 3, generatedCount: 0, seed: 1)
    #expect(throws: HeatmapError.self) { try GenerationFigure(nothing) }
    let past = try AttentionSelection(layers: [4], layerCount: 4, headCount: 5)
    #expect(throws: SelectionError.self) { try GenerationFigure(run, selection: past) }
  }
}
