import Foundation
import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct GenerationPageRendererTests {
  /// The JSON object embedded in a generation page.
  func pageData(_ bytes: [UInt8]) throws -> [String: Any] {
    let text = String(decoding: bytes, as: UTF8.self)
    let open = #"<script type="application/json" id="generation-data">"#
    let start = try #require(text.range(of: open))
    let end = try #require(text.range(of: "</script>", range: start.upperBound..<text.endIndex))
    let json = Data(text[start.upperBound..<end.lowerBound].utf8)
    return try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
  }

  @Test func theWeightsTravelAsEightBitCodesWithinHalfAStep() throws {
    // Odd sizes: 3 layers, 5 heads, a prompt of 4 and 6 written tokens.
    let (promptCount, written) = (4, 6)
    let weightCount = GenerationText.rowWeightCount(promptTokenCount: promptCount, generated: written)
    #expect(weightCount == 6 * 4 + 15)
    var weights = randomTensor([3, 5, weightCount], seed: 41).scalars
    // The ends, a value just under a half step, and what the page clamps.
    weights[0] = 0
    weights[1] = 1
    weights[2] = 0.4999 / 255
    weights[3] = .nan
    let text = GenerationText(
      title: "a <b> test", labels: (0..<10).map { "t\($0)" }, promptTokenCount: promptCount,
      rows: Tensor(shape: [3, 5, weightCount], scalars: weights), layer: .one(2), head: .max)
    let page = renderGenerationPage(text)
    let data = try pageData(page)
    #expect(data["prompt"] as? Int == 4 && data["layers"] as? Int == 3 && data["heads"] as? Int == 5)
    #expect(data["layer"] as? Int == 2 && data["head"] as? String == "max")
    #expect(data["codesPerUnit"] as? Int == 255)
    #expect((data["colormap"] as? String)?.count == 6 * 256)
    #expect(String(decoding: page, as: UTF8.self).contains("<title>a &lt;b&gt; test</title>"))
    let codes = try inflated(try #require(data["codes"] as? String), count: weights.count)
    #expect(Array(codes.prefix(4)) == [0, 255, 0, 0])
    for (index, weight) in weights.enumerated() where weight.isFinite {
      let decoded = Double(codes[index]) / 255
      #expect(
        abs(decoded - Double(weight)) <= 0.5 / 255 + 1e-9, "weight \(index): \(weight) as \(codes[index])")
    }
  }

  @Test func rowsStartWhereTheEarlierRowsEnd() {
    let text = GenerationText(
      title: "", labels: ["a", "b", "c", "d", "e"], promptTokenCount: 2,
      rows: Tensor(repeating: 0.5, shape: [1, 1, 2 + 3 + 4]))
    #expect((0..<3).map(text.rowStart) == [0, 2, 5])
    #expect(text.texts == text.labels)
  }
}
