import Foundation
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct HTMLEscapingTests {
  @Test func markupCannotEndAnElementOrOpenAComment() {
    #expect(htmlEscaped("</script>") == "&lt;/script&gt;")
    #expect(htmlEscaped("</SCRIPT >") == "&lt;/SCRIPT &gt;")
    #expect(htmlEscaped("<!-- x -->") == "&lt;!-- x --&gt;")
    #expect(htmlEscaped("</title><b>") == "&lt;/title&gt;&lt;b&gt;")
  }

  @Test func quotesCannotCloseAnAttribute() {
    #expect(htmlEscaped(#""double" 'single'"#) == "&quot;double&quot; &#39;single&#39;")
    #expect(htmlEscaped(#"" onmouseover="alert(1)"#) == "&quot; onmouseover=&quot;alert(1)")
  }

  @Test func ampersandsAreEscapedOnceEach() {
    #expect(htmlEscaped("x & y") == "x &amp; y")
    // An entity in the label is the label's text, not markup.
    #expect(htmlEscaped("&amp; &lt;") == "&amp;amp; &amp;lt;")
    #expect(htmlEscaped("&&") == "&amp;&amp;")
  }

  @Test func otherTextStaysAsItIs() {
    // HTML has no trouble with the line separators JavaScript once refused;
    // inside a script the JSON escaper takes care of them.
    for text in ["line\u{2028}separator\u{2029}", "注意力 é e\u{301} 🙂", "tab\tand\nnewline", "", "plain"] {
      #expect(htmlEscaped(text) == text)
    }
  }

  @Test func hostileWordsStayInertInTheSVGTitle() throws {
    let figure = try HeatmapFigure(
      matrices: randomTensor([1, 2, 3, 3], seed: 1), xlabel: "x & <y>", ylabel: "</title><!--",
      titles: [#""a""#, "'b'\u{2028}"])
    let text = String(decoding: try renderFigureData(figure, format: .svg).bytes, as: UTF8.self)
    let words = ["</title><!--", "x & <y>", #""a""#, "'b'\u{2028}"].joined(separator: ", ")
    #expect(text.contains("<title>" + htmlEscaped(words) + "</title>"))
    #expect(!text.contains("<!--"))
    #expect(text.components(separatedBy: "</title>").count == 2, "one title, closed once")
  }
}
