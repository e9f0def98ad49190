import Tensors
import Foundation
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

/// Occurrences of `needle` in `text`, in any letter case.
private func occurrences(of needle: String, in text: String) -> Int {
  text.lowercased().components(separatedBy: needle.lowercased()).count - 1
}

@Suite struct HTMLRendererTests {
  @Test func extensionNamesTheFormat() throws {
    #expect(try OutputFormat(path: "out/fig.html") == .html)
    #expect(try OutputFormat(path: "FIG.HTML") == .html)
  }

  @Test func documentIsSelfContained() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([2, 3, 5, 7], seed: 11), xlabel: "Keys", ylabel: "Queries",
      titles: ["a", "b", "c"], rowTitles: ["r1", "r2"])
    let (bytes, _) = try renderFigureData(figure, format: .html)
    let text = String(decoding: bytes, as: UTF8.self)
    #expect(text.hasPrefix("<!DOCTYPE html>"))
    #expect(occurrences(of: "<html", in: text) == 1)
    #expect(occurrences(of: "</html>", in: text) == 1)
    // The SVG namespace names, it does not fetch; nothing else may name a URL.
    // An empty inline icon keeps browsers from asking the server for /favicon.ico.
    let emptyIcon = #"<link rel="icon" href="data:,">"#
    #expect(occurrences(of: emptyIcon, in: text) == 1)
    let withoutNamespace = text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
      .replacingOccurrences(of: emptyIcon, with: "")
    for forbidden in ["http://", "https://", "<link", "@import", "<iframe", "@font-face"] {
      #expect(occurrences(of: forbidden, in: withoutNamespace) == 0, "\(forbidden) in the page")
    }
    // A CSS url(...), not the script's createObjectURL(...).
    let cssURL = try NSRegularExpression(pattern: "(?<![A-Za-z])url\\(", options: [.caseInsensitive])
    let whole = NSRange(text.startIndex..., in: text)
    #expect(cssURL.numberOfMatches(in: text, range: whole) == 0)
    #expect(occurrences(of: "<script", in: text) == 2, "one data script and one inline script")
    #expect(!text.contains("<script src"))
    // An attribute that loads something takes an inline data: URL or a value
    // the script builds (the quote is followed by the script's own quote).
    for attribute in ["src=", "href="] {
      var searchStart = text.startIndex
      while let found = text.range(of: attribute, range: searchStart..<text.endIndex) {
        var rest = text[found.upperBound...]
        if rest.first == "\"" || rest.first == "'" { rest = rest.dropFirst() }
        let allowed =
          rest.hasPrefix("data:") || rest.hasPrefix("#") || rest.first == "'" || rest.first == "\""
        #expect(allowed, "\(attribute)\(rest.prefix(30))")
        searchStart = found.upperBound
      }
    }
  }

  @Test func embeddedDecimalValuesParseBackWithinTheirRounding() throws {
    // Odd sizes, both signs, six decades of magnitude, and missing values.
    var generator = SeededGenerator(seed: 23)
    let count = 3 * 2 * 9 * 13
    var scalars = (0..<count).map { _ in
      Float.random(in: -1...1, using: &generator)
        * Float(pow(10, Double(Int.random(in: -4...2, using: &generator))))
    }
    scalars[5] = .nan
    scalars[77] = .infinity
    let matrices = Tensor(shape: [3, 2, 9, 13], scalars: scalars)
    let figure = try HeatmapFigure(matrices: matrices, titles: ["h1", "h2"], rowTitles: ["l1", "l2", "l3"])
    let (bytes, layout) = try renderFigureData(figure, format: .html)
    let file = try HTMLFigureFile(bytes)
    #expect(file.data["encoding"] as? String == "json")
    #expect(file.data["grid"] as? [Int] == [3, 2, 9, 13])
    let decoded = try file.decimalValues()
    #expect(decoded.count == count)
    for (index, (original, parsed)) in zip(scalars, decoded).enumerated() {
      if original.isFinite {
        // Exact: the page rounds for its tooltip from the value itself.
        #expect(parsed.bitPattern == original.bitPattern, "value \(index): \(original) → \(parsed)")
      } else {
        #expect(parsed.isNaN, "value \(index): \(original) must travel as null")
      }
    }
    // The panels sit where the layout puts them, with the layout's ranges.
    let panels = try #require(file.data["panels"] as? [[String: Any]])
    #expect(panels.count == layout.panels.count)
    for (panel, expected) in zip(panels, layout.panels) {
      let frame = try #require(panel["f"] as? [Double])
      #expect(
        isClose(
          frame, [expected.frame.minX, expected.frame.minY, expected.frame.width, expected.frame.height],
          tolerance: 1e-6))
      #expect(
        abs((panel["lo"] as? Double ?? .nan) - expected.valueRange.lower) <= 1e-9
          * abs(expected.valueRange.lower))
      #expect(panel["miss"] as? Bool == expected.hasMissingValues)
    }
    #expect(file.data["titles"] as? [String] == ["h1", "h2"])
    #expect(file.data["rowTitles"] as? [String] == ["l1", "l2", "l3"])
  }

  @Test func colormapTableTravelsWhole() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([4, 5], seed: 3), colormap: try Colormap.named("viridis"))
    let file = try HTMLFigureFile(try renderFigureData(figure, format: .html).bytes)
    let hex = try #require(file.data["colormap"] as? String)
    let expected = figure.colormap.table.map { color -> String in
      let (red, green, blue) = color.bytes
      return String(format: "%02x%02x%02x", red, green, blue)
    }.joined()
    #expect(hex.count == 6 * 256)
    #expect(hex == expected)
  }

  @Test func hostileLabelsAreEscaped() throws {
    let hostile = [
      "</script><script>alert(1)</script>", "<!-- \"quoted\" & 'single' -->", "注意力 \u{2028} line\\",
      "</SCRIPT >",
    ]
    let figure = try HeatmapFigure(
      matrices: randomTensor([1, 4, 3, 4], seed: 5), xlabel: "x & <y>", ylabel: "</title><b>",
      titles: hostile, xTickLabels: hostile, yTickLabels: Array(hostile.prefix(3)))
    let file = try HTMLFigureFile(try renderFigureData(figure, format: .html).bytes)
    // The raw data contains nothing that ends a script or opens a comment.
    for marker in ["</script", "<script", "<!--", "-->", "</title", "\u{2028}"] {
      #expect(occurrences(of: marker, in: file.rawData) == 0, "\(marker) in the raw data")
    }
    // Two scripts, so exactly two closing tags in the whole page.
    #expect(occurrences(of: "</script", in: file.text) == 2)
    #expect(file.text.contains("<title>&lt;/title&gt;&lt;b&gt;, x &amp; &lt;y&gt;, &lt;/script&gt;"))
    // Escaped is not mangled: the labels parse back exactly.
    #expect(file.data["titles"] as? [String] == hostile)
    #expect(file.data["xTickLabels"] as? [String] == hostile)
    let panels = try #require(file.data["panels"] as? [[String: Any]])
    let title = try #require(panels[0]["title"] as? [String: Any])
    #expect(title["s"] as? String == hostile[0])
  }

  @Test func fullModelGridStaysSmall() throws {
    // 6 layers × 12 heads of 64 × 64 uniform random values, which hardly
    // compress: 0.59 MB of 16-bit codes and 0.29 MB of colour indices, 1.18 MB
    // once in base64; the page, layout and script must add little to that.
    let figure = try HeatmapFigure(
      matrices: randomTensor([6, 12, 64, 64], seed: 9), figsize: FigureSize(width: 20, height: 12))
    let (bytes, _) = try renderFigureData(figure, format: .html)
    #expect(bytes.count < 1_800_000, "\(bytes.count) bytes")
  }
}
