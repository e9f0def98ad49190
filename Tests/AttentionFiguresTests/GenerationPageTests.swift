import AttentionTestSupport
import Foundation
import Heatmaps
import Testing
import TransformerModels

@testable import AttentionFigures

@Suite struct GenerationPageTests {
  @Test func thePageCarriesEveryMapsRowsOfTheWrittenTokens() throws {
    // Odd sizes: 3 layers, 5 heads, a prompt of 4 and 7 written tokens.
    let run = randomCausalRun(layerCount: 3, headCount: 5, promptTokenCount: 4, generatedCount: 7, seed: 3)
    let text = try GenerationText(run, layer: .one(1), head: .mean)
    let weightCount = 7 * 4 + 21
    #expect(text.rows.shape == [3, 5, weightCount])
    #expect(text.labels == run.attention.tokens && text.texts == run.attention.tokens)
    let attentions = run.attention.attentions
    for map in 0..<15 {
      for k in 0..<7 {
        for key in 0..<(4 + k) {
          let expected = attentions.scalars[(map * 11 + 4 + k - 1) * 11 + key]
          #expect(text.rows.scalars[map * weightCount + text.rowStart(k) + key] == expected)
        }
      }
    }
    #expect(!text.rows.scalars.contains { $0.isNaN })
  }

  @Test func aLayerOrHeadPastTheRunIsRefused() throws {
    let run = randomCausalRun(layerCount: 2, headCount: 3, promptTokenCount: 2, generatedCount: 2, seed: 4)
    #expect(throws: SelectionError.self) { try renderGenerationPage(run, layer: .one(2)) }
    #expect {
      try renderGenerationPage(run, head: .one(3))
    } throws: { error in
      (error as? SelectionError)?.description == "4 is outside the model, which has heads 1-3"
    }
  }

  /// The page of 64 tokens written after a 40-token prompt over 30 layers × 9
  /// heads, and what the browser check (scripts/check-generation-page)
  /// compares it with: weights from the definitions, in Float64, for a few
  /// written tokens and views. Written to out/test/generation/.
  @Test func writesTheBrowserChecksPageAndItsExpectedWeights() throws {
    let (layers, heads, promptCount, written) = (30, 9, 40, 64)
    let run = randomCausalRun(
      layerCount: layers, headCount: heads, promptTokenCount: promptCount, generatedCount: written, seed: 2024
    )
    let words = ["The ", "quiet ", "river ", "carries ", "old ", "stones ", "toward ", "the ", "sea", ". "]
    let texts = (0..<(promptCount + written)).map { words[$0 % words.count] }
    let page = try renderGenerationPage(run, tokenTexts: texts, title: "random causal run")
    let weightCount = GenerationText.rowWeightCount(promptTokenCount: promptCount, generated: written)
    #expect(weightCount == 4576)
    // 8-bit codes, deflated, base64: at most the undeflated base64 and the page's code.
    #expect(page.count < 270 * weightCount * 4 / 3 + 100_000)
    let attentions = run.attention.attentions
    let length = promptCount + written
    func weight(_ layer: Int, _ head: Int, _ query: Int, _ key: Int) -> Double {
      Double(attentions.scalars[((layer * heads + head) * length + query) * length + key])
    }
    func combined(_ values: [Double], _ choice: String) -> Double {
      choice == "max" ? values.max()! : values.reduce(0, +) / Double(values.count)
    }
    var checks: [[String: Any]] = []
    for (token, layer, head) in [
      (promptCount, "mean", "mean"), (length - 1, "4", "2"), (promptCount + 17, "mean", "max"),
      (promptCount + 33, "max", "mean"), (length - 2, "29", "mean"),
    ] {
      let query = token - 1
      let chosenLayers = Int(layer).map { [$0] } ?? Array(0..<layers)
      let chosenHeads = Int(head).map { [$0] } ?? Array(0..<heads)
      let row = (0..<token).map { key in
        combined(
          chosenLayers.map { l in combined(chosenHeads.map { weight(l, $0, query, key) }, head) }, layer)
      }
      checks.append(["token": token, "layer": layer, "head": head, "weights": row])
    }
    let colormap = Colormap.reds.table.map { color -> [Int] in
      let (red, green, blue) = color.bytes
      return [Int(red), Int(green), Int(blue)]
    }
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("out/test/generation")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(page).write(to: folder.appendingPathComponent("generation.html"))
    let expected: [String: Any] = [
      "promptTokenCount": promptCount, "tokenCount": length, "layers": layers, "heads": heads,
      "step": 1.0 / 255, "colormap": colormap, "checks": checks, "pageBytes": page.count,
    ]
    try JSONSerialization.data(withJSONObject: expected, options: [.sortedKeys])
      .write(to: folder.appendingPathComponent("expected.json"))
    // The figures of a shorter run, to look at, and the model page whose
    // masked cells the browser check hovers.
    let short = randomCausalRun(
      layerCount: layers, headCount: heads, promptTokenCount: 7, generatedCount: 6, seed: 9)
    let model = try ModelFigure(short.attention).heatmap
    _ = try renderFigure(model, to: folder.appendingPathComponent("model.png").path)
    _ = try renderFigure(model, to: folder.appendingPathComponent("model.html").path)
    let selection = try AttentionSelection(layerCount: layers, headCount: heads, aggregate: .mean)
    _ = try renderFigure(
      try GenerationFigure(short, selection: selection, layerAggregate: .mean).heatmap,
      to: folder.appendingPathComponent("generation-figure.png").path)
    print(
      "generation page: \(page.count) bytes for \(layers) × \(heads) maps, \(written) tokens after \(promptCount)"
    )
  }
}
