import Foundation
import Tensors
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// The figure page's style, markup and script, as the files in
/// `Sources/Heatmaps/Rendering/HTML` hold them.
private func pageFile(_ name: String) throws -> String {
  let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Sources/Heatmaps/Rendering/HTML/" + name)
  return try String(contentsOf: url, encoding: .utf8)
}

@Suite struct HTMLPageFilesTests {
  @Test func thePageCarriesTheFilesVerbatim() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([2, 2, 3, 4], seed: 7), xlabel: "Keys", ylabel: "Queries")
    let text = String(decoding: try renderFigureData(figure, format: .html).bytes, as: UTF8.self)
    let style = try pageFile("figure-page.css")
    let body = try pageFile("figure-page.html")
    let script = try pageFile("figure-page.js")
    for file in [style, body, script] { #expect(!file.isEmpty) }
    #expect(text.contains("<style>\n" + style + "</style>\n"))
    #expect(text.contains("<body>\n" + body + #"<script type="application/json" id="figure-data">"#))
    #expect(text.contains("<script>\n" + script + "</script>\n"))
  }

  @Test func theGenerationPageCarriesItsFilesVerbatim() throws {
    let text = String(
      decoding: renderGenerationPage(
        GenerationText(
          title: "", labels: ["a", "b", "c"], promptTokenCount: 2,
          rows: Tensor(repeating: 0.5, shape: [1, 1, 2]))), as: UTF8.self)
    let style = try pageFile("generation-page.css")
    let body = try pageFile("generation-page.html")
    let script = try pageFile("generation-page.js")
    for file in [style, body, script] { #expect(!file.isEmpty) }
    #expect(text.contains("<style>\n" + style + "</style>\n"))
    #expect(text.contains("<body>\n" + body + #"<script type="application/json" id="generation-data">"#))
    #expect(text.contains("<script>\n" + script + "</script>\n"))
  }

  @Test func theFilesCannotEndTheirElements() throws {
    // Inline, the script ends at the first "</script" and the style at the
    // first "</style", whatever the JavaScript or CSS around them means.
    for (name, closing) in [
      ("figure-page.js", "</script"), ("figure-page.css", "</style"), ("generation-page.js", "</script"),
      ("generation-page.css", "</style"),
    ] {
      let text = try pageFile(name).lowercased()
      #expect(!text.contains(closing), "\(name)")
      #expect(!text.contains("<!--"), "\(name)")
      #expect(!text.contains("<script"), "\(name)")
    }
  }
}
