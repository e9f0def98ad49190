import Testing

@testable import TransformerModels

@Suite struct AttentionSelectionTests {
  /// `[N, H, L, L]` with N = 3, H = 4, L = 5 and random values.
  let attentions = Tensor(
    shape: [3, 4, 5, 5], scalars: (0..<(3 * 4 * 25)).map { _ in Float.random(in: 0...1) })

  @Test func numbersCountFromOne() throws {
    let selection = try AttentionSelection(layers: [1, 3], heads: [2, 3, 4], layerCount: 3, headCount: 4)
    #expect(selection.layers == [0, 2])
    #expect(selection.heads == [1, 2, 3])
    #expect(selection.headsDescription == "2-4")
    #expect(selection.headTitles == ["Head 2", "Head 3", "Head 4"])
    #expect(selection.layerTitles == ["Layer 1", "Layer 3"])
    let all = AttentionSelection.all(layerCount: 3, headCount: 4)
    #expect(all.layers == [0, 1, 2] && all.heads == [0, 1, 2, 3])
    let combined = try AttentionSelection(heads: [1, 3], layerCount: 3, headCount: 4, aggregate: .max)
    #expect(combined.headTitles == ["max of heads 1,3"])
  }

  @Test func selectCopiesTheChosenMaps() throws {
    let selection = try AttentionSelection(layers: [3, 1], heads: [4, 2], layerCount: 3, headCount: 4)
    let chosen = selection.select(attentions)
    #expect(chosen.shape == [2, 2, 5, 5])
    for (row, layer) in [2, 0].enumerated() {
      for (column, head) in [3, 1].enumerated() {
        for i in 0..<5 {
          for j in 0..<5 { #expect(chosen[row, column, i, j] == attentions[layer, head, i, j]) }
        }
      }
    }
  }

  @Test func meanAndMaxCombineTheChosenHeads() throws {
    let mean = try AttentionSelection(
      layers: [2], heads: [1, 2, 3], layerCount: 3, headCount: 4, aggregate: .mean
    )
    .select(attentions)
    let maximum = try AttentionSelection(
      layers: [2], heads: [1, 2, 3], layerCount: 3, headCount: 4, aggregate: .max
    )
    .select(attentions)
    #expect(mean.shape == [1, 1, 5, 5] && maximum.shape == [1, 1, 5, 5])
    for i in 0..<5 {
      for j in 0..<5 {
        let values = (0..<3).map { Double(attentions[1, $0, i, j]) }
        #expect(abs(Double(mean[0, 0, i, j]) - values.reduce(0, +) / 3) < 1e-6)
        #expect(Double(maximum[0, 0, i, j]) == values.max())
      }
    }
  }

  @Test(arguments: [([0], "layers 1-3"), ([4], "layers 1-3"), ([2, -1], "outside"), ([], "no layers")])
  func numbersOutsideTheModelAreRefused(_ numbers: [Int], _ mention: String) {
    #expect {
      try AttentionSelection(layers: numbers, heads: nil, layerCount: 3, headCount: 4)
    } throws: { error in
      let error = error as? SelectionError
      return error?.axis == .layers && error?.description.contains(mention) == true
    }
  }
}
