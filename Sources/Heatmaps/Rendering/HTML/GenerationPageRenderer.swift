import HeatmapLayout

/// The generation page of `text` as one self-contained HTML document: the
/// text in sequence, prompt then written tokens; hovering or focusing a
/// written token shades every token before it by its attention, in the
/// layer and head (or the mean or max over them) chosen on the page, on the
/// figure's colormap with a labelled colour scale.
///
/// The weights travel as 8-bit codes, deflated and in base64: code
/// `c = round(255 · w)` (clamped to 0...255, NaN as 0) stands for `c / 255`,
/// a step of 1/255 and an error of at most 1/510 a weight; the page combines
/// heads and layers from the decoded weights. Only the rows the written
/// tokens were chosen from travel (`GenerationText`): 64 tokens after a
/// 40-token prompt, over 30 layers × 9 heads, are 270 × 4,576 = 1,235,520
/// codes, 1.24 MB before deflating (1.65 MB as base64 undeflated).
public func renderGenerationPage(_ text: GenerationText) -> [UInt8] {
  Array(GenerationPageRenderer(text: text).document().utf8)
}

struct GenerationPageRenderer {
  let text: GenerationText

  /// Codes per unit weight: 8 bits over 0...1.
  static let codesPerUnit: Float = 255

  static let style = String(decoding: PackageResources.generation_page_css, as: UTF8.self)
  static let body = String(decoding: PackageResources.generation_page_html, as: UTF8.self)
  static let script = String(decoding: PackageResources.generation_page_js, as: UTF8.self)

  func document() -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="generator" content="AttentionKit">
    <link rel="icon" href="data:,">
    <title>\(htmlEscaped(text.title.isEmpty ? "Generation" : text.title))</title>
    <style>
    \(Self.style)</style>
    </head>
    <body>
    \(Self.body)<script type="application/json" id="generation-data">\(dataJSON())</script>
    <script>
    \(Self.script)</script>
    </body>
    </html>

    """
  }

  /// The weights as 8-bit codes, `[N, H, R]`.
  static func codes(_ weights: [Float]) -> [UInt8] {
    weights.map { weight in
      guard weight.isFinite else { return 0 }
      return UInt8(min(max((weight * codesPerUnit).rounded(.toNearestOrEven), 0), codesPerUnit))
    }
  }

  func dataJSON() -> String {
    func strings(_ list: [String]) -> String {
      "[" + list.map(HTMLRenderer.scriptSafeJSONString).joined(separator: ",") + "]"
    }
    func choice(_ choice: GenerationText.Choice) -> String {
      switch choice {
      case .one(let index): return String(index)
      case .mean: return "\"mean\""
      case .max: return "\"max\""
      }
    }
    let colormap = text.colormap.hexTable
    let codes = HTMLRenderer.base64(HTMLRenderer.deflated(Self.codes(text.rows.scalars)))
    return "{"
      + [
        "\"title\":" + HTMLRenderer.scriptSafeJSONString(text.title),
        "\"labels\":" + strings(text.labels),
        "\"texts\":" + strings(text.texts),
        "\"prompt\":\(text.promptTokenCount)",
        "\"layers\":\(text.layerCount)",
        "\"heads\":\(text.headCount)",
        "\"colormap\":\"\(colormap)\"",
        "\"codesPerUnit\":\(Int(Self.codesPerUnit))",
        "\"codes\":\"\(codes)\"",
        "\"layer\":" + choice(text.layer),
        "\"head\":" + choice(text.head),
      ].joined(separator: ",") + "}"
  }
}
