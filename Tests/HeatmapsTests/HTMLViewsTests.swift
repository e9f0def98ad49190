import Foundation
import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// A page of several views (`renderFigurePage`): each view's data as the
/// page of that figure alone carries it, named for the View select.
@Suite struct HTMLViewsTests {
  /// The JSON of each data script of `text`, by its `data-view` name, in order.
  private func views(in text: String) throws -> [(name: String?, id: Bool, json: String)] {
    let pattern = try NSRegularExpression(
      pattern:
        #"<script type="application/json"( id="figure-data")?( class="figure-view")?( data-view="([^"]*)")?>"#
    )
    var found: [(String?, Bool, String)] = []
    for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
      let start = try #require(Range(match.range, in: text)).upperBound
      let end = try #require(text.range(of: "</script>", range: start..<text.endIndex)).lowerBound
      let name = Range(match.range(at: 4), in: text).map { String(text[$0]) }
      found.append((name, match.range(at: 1).location != NSNotFound, String(text[start..<end])))
    }
    return found
  }

  @Test func eachViewCarriesItsFigureAsItsOwnPageWould() throws {
    let figures = try [([2, 3, 5, 7], 3), ([2, 1, 5, 5], 5), ([1, 2, 4, 9], 7)].map { shape, seed in
      try HeatmapFigure(matrices: randomTensor(shape, seed: UInt64(seed)), xlabel: "Keys", ylabel: "Queries")
    }
    let names = ["attention", "rollout", "value \"norm\" <&>"]
    let (bytes, layouts) = renderFigurePage(views: Array(zip(names, figures)))
    #expect(layouts.count == 3)
    let text = String(decoding: bytes, as: UTF8.self)
    let found = try views(in: text)
    #expect(found.map(\.name) == ["attention", "rollout", "value &quot;norm&quot; &lt;&amp;&gt;"])
    #expect(found.map(\.id) == [true, false, false], "the first view is #figure-data")
    for (view, figure) in zip(found, figures) {
      let alone = try HTMLFigureFile(try renderFigureData(figure, format: .html).bytes)
      #expect(view.json == alone.rawData)
    }
    // The page's title and controls are the first figure's page's.
    let first = String(decoding: try renderFigureData(figures[0], format: .html).bytes, as: UTF8.self)
    #expect(text.hasPrefix(try #require(first.components(separatedBy: "<script").first)))
  }

  @Test func aPageOfOneViewIsThePageOfItsFigure() throws {
    let figure = try HeatmapFigure(matrices: randomTensor([1, 2, 3, 3], seed: 9))
    let page = renderFigurePage(views: [("attention", figure)]).bytes
    #expect(page == (try renderFigureData(figure, format: .html).bytes))
    #expect(!String(decoding: page, as: UTF8.self).contains("data-view="))
  }
}
