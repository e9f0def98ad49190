import TensorIO
import Tensors

/// Writes a laid-out figure as one self-contained HTML document: the cells,
/// the colormap and the layout travel as JSON inside the page, and inline
/// JavaScript draws the panels on canvases and the texts, ticks and colorbars
/// as SVG, at the positions of the layout. Nothing is fetched from anywhere.
///
/// Each cell travels as the index of the colormap entry the PNG renderer
/// paints it with and as its value for the tooltip and the head view; both
/// are deflated (see `writeCells`), and the page inflates them with the
/// browser's `DecompressionStream` before it draws.
struct HTMLRenderer {
  let figure: HeatmapFigure
  let layout: FigureLayout
  /// The page's other views of the same text (another lens of it), each
  /// with its name, which the page's view select lists after this figure's
  /// (named `name`). The page draws one view at a time.
  var name: String?
  var otherViews: [(name: String, renderer: HTMLRenderer)] = []

  /// Up to this many values travel as decimal JSON (the shortest text of each Float32);
  /// more travel as 16-bit fixed point, deflated, which keeps a page of
  /// 6 × 12 × 512 × 512 weights near 15 MB (float32 would take 100 MB).
  static let decimalValueLimit = 100_000

  /// The document's text.
  func document() -> String {
    let words =
      [figure.ylabel, figure.xlabel].compactMap { $0 } + (figure.titles ?? []) + (figure.rowTitles ?? [])
      + (figure.panelTitles ?? [])
    // A tab's title: the axis labels and the first few panel titles.
    var parts = words.filter { !$0.isEmpty }
    if parts.count > 6 { parts = parts.prefix(5) + ["…"] }
    let title = parts.joined(separator: ", ")
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="AttentionKit">
      <link rel="icon" href="data:,">
      <title>\(htmlEscaped(title.isEmpty ? "Heatmaps" : title))</title>
      <style>
      \(Self.style)</style>
      </head>
      <body>
      \(Self.body)<script type="application/json" id="figure-data"\(otherViews.isEmpty ? "" : viewAttribute(name))>\(dataJSON())</script>
      \(otherViews.map { view in
        "<script type=\"application/json\" class=\"figure-view\"\(viewAttribute(view.name))>\(view.renderer.dataJSON())</script>\n"
      }.joined())      <script>
      \(Self.script)</script>
      </body>
      </html>

      """
  }

  /// ` data-view="name"`, escaped: a view's name, as the page's select lists it.
  private func viewAttribute(_ name: String?) -> String {
    " data-view=\"\(htmlEscaped(name ?? ""))\""
  }

  // MARK: The embedded data

  /// Everything the script draws from, as one JSON object.
  func dataJSON() -> String {
    let grid = figure.gridShape
    var json = JSONWriter()
    json.open()
    json.key("grid")
    json.raw("[\(grid.rows),\(grid.columns),\(grid.height),\(grid.width)]")
    json.key("width")
    json.number(layout.width)
    json.key("height")
    json.number(layout.height)
    json.key("dpi")
    json.number(layout.dpi)
    json.key("lineWidth")
    json.number(layout.lineWidth)
    json.key("missingName")
    json.string(figure.missingCellName)
    json.key("shared")
    json.raw(figure.colorScale == .shared ? "true" : "false")
    json.key("colormap")
    json.string(
      figure.colormap.table.map { color in
        let (red, green, blue) = color.bytes
        return Self.hexByte(red) + Self.hexByte(green) + Self.hexByte(blue)
      }.joined())
    for (name, list) in [
      ("titles", figure.titles), ("rowTitles", figure.rowTitles), ("panelTitles", figure.panelTitles),
      ("xTickLabels", figure.xTickLabels),
      ("yTickLabels", figure.yTickLabels),
    ] {
      json.key(name)
      if let list { json.strings(list) } else { json.raw("null") }
    }
    writeCells(into: &json)
    json.key("panels")
    json.raw("[")
    for (index, panel) in layout.panels.enumerated() {
      if index > 0 { json.raw(",") }
      writePanel(panel, into: &json)
    }
    json.raw("]")
    json.key("colorbars")
    json.raw("[")
    for (index, colorbar) in layout.colorbars.enumerated() {
      if index > 0 { json.raw(",") }
      json.open()
      json.key("f")
      json.rect(colorbar.frame)
      json.key("lo")
      json.number(colorbar.valueRange.lower)
      json.key("hi")
      json.number(colorbar.valueRange.upper)
      json.key("ticks")
      writeTicks(colorbar.ticks, into: &json)
      json.key("off")
      writeText(colorbar.offsetText, into: &json)
      json.key("lab")
      writeText(colorbar.label, into: &json)
      json.close()
    }
    json.raw("]")
    json.close()
    return json.text
  }

  /// The cells: every cell's colormap index, deflated, then the values for
  /// the tooltip and the head view, as decimals in small figures and as
  /// deflated fixed point in large ones (see `FixedPointValues`).
  private func writeCells(into json: inout JSONWriter) {
    let colors = colorIndexPlanes()
    json.key("colorPlanes")
    json.raw(String(colors.planeCount))
    json.key("colors")
    json.raw("\"" + Self.base64(Self.deflated(colors.bytes)) + "\"")
    json.key("encoding")
    let scalars = figure.matrices.scalars
    if scalars.count <= Self.decimalValueLimit {
      json.string("json")
      json.key("values")
      json.raw("[")
      for (index, value) in scalars.enumerated() {
        if index > 0 { json.raw(",") }
        // The shortest text that reads back to the same Float32, so that the
        // tooltip rounds the value itself once, not a rounded copy again.
        json.raw(value.isFinite ? value.description : "null")
      }
      json.raw("]")
    } else {
      let values = scalars.withUnsafeBufferPointer(FixedPointValues.init)
      json.string("fixed16")
      json.key("decimals")
      json.raw(String(values.decimals))
      json.key("offset")
      json.raw(String(values.offset))
      json.key("values")
      json.raw("\"" + Self.base64(Self.deflated(Self.bytePlanes(values.codes))) + "\"")
    }
  }

  private func writePanel(_ panel: PanelLayout, into json: inout JSONWriter) {
    json.open()
    json.key("r")
    json.raw(String(panel.row))
    json.key("c")
    json.raw(String(panel.column))
    json.key("f")
    json.rect(panel.frame)
    json.key("lo")
    json.number(panel.valueRange.lower)
    json.key("hi")
    json.number(panel.valueRange.upper)
    json.key("miss")
    json.raw(panel.hasMissingValues ? "true" : "false")
    json.key("xt")
    writeTicks(panel.xTicks, into: &json)
    json.key("yt")
    writeTicks(panel.yTicks, into: &json)
    for (name, text) in [
      ("title", panel.title), ("xlabel", panel.xlabel), ("ylabel", panel.ylabel),
      ("rowTitle", panel.rowTitle),
    ] {
      json.key(name)
      writeText(text, into: &json)
    }
    json.key("ann")
    json.raw("[")
    for (index, text) in panel.annotations.enumerated() {
      if index > 0 { json.raw(",") }
      writeText(text, into: &json, keepsColor: true)
    }
    json.raw("]")
    json.close()
  }

  /// Each tick as `[x1, y1, x2, y2, label]`, the label a text or `null`.
  private func writeTicks(_ ticks: [Tick], into json: inout JSONWriter) {
    json.raw("[")
    for (index, tick) in ticks.enumerated() {
      if index > 0 { json.raw(",") }
      json.raw("[")
      for (position, coordinate) in [tick.mark.start.x, tick.mark.start.y, tick.mark.end.x, tick.mark.end.y]
        .enumerated()
      {
        if position > 0 { json.raw(",") }
        json.number(coordinate)
      }
      json.raw(",")
      writeText(tick.label, into: &json)
      json.raw("]")
    }
    json.raw("]")
  }

  /// A text as its string, size, the centre of its box and its baseline, so
  /// that the browser can centre it on the box whatever its own font's
  /// advances; annotations keep their colour, chosen against their cell.
  private func writeText(_ text: FigureText?, into json: inout JSONWriter, keepsColor: Bool = false) {
    guard let text else {
      json.raw("null")
      return
    }
    json.open()
    json.key("s")
    json.string(text.string)
    json.key("z")
    json.number(text.fontSize)
    json.key("v")
    json.raw(text.rotation == .vertical ? "1" : "0")
    // The baseline's position across the reading direction, and the box's centre along it.
    json.key("b")
    json.number(text.rotation == .vertical ? text.origin.x : text.origin.y)
    json.key("m")
    json.number(text.rotation == .vertical ? text.bounds.midY : text.bounds.midX)
    if keepsColor {
      let (red, green, blue) = text.color.bytes
      json.key("color")
      json.string("#" + Self.hexByte(red) + Self.hexByte(green) + Self.hexByte(blue))
    }
    json.close()
  }

  // MARK: Escaping and encoding

  /// A JSON string literal that is also inert inside a `<script>` element:
  /// `<`, `>` and `&` are written as `\u` escapes, so no label can end the
  /// script or open a comment, and the line separators JavaScript once
  /// refused are escaped too.
  static func scriptSafeJSONString(_ text: String) -> String {
    var json = ""
    appendJSONString(text, to: &json, escaping: .inScript)
    return json
  }

  static func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
  }

  static func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    let outputCount = (bytes.count + 2) / 3 * 4
    return bytes.withUnsafeBufferPointer { bytes in
      String(unsafeUninitializedCapacity: outputCount) { output in
        var written = 0
        func emit(_ word: UInt32, _ characters: Int) {
          for position in 0..<4 {
            output[written + position] =
              position < characters
              ? alphabet[Int(word >> (18 - 6 * UInt32(position)) & 63)] : UInt8(ascii: "=")
          }
          written += 4
        }
        var index = 0
        while index + 3 <= bytes.count {
          emit(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]), 4)
          index += 3
        }
        switch bytes.count - index {
        case 2: emit(UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8, 3)
        case 1: emit(UInt32(bytes[index]) << 16, 2)
        default: break
        }
        return written
      }
    }
  }
}

/// Appends JSON text piece by piece, with the commas between object members.
private struct JSONWriter {
  var text = ""
  private var needsComma = [Bool]()

  mutating func open() {
    text += "{"
    needsComma.append(false)
  }

  mutating func close() {
    text += "}"
    needsComma.removeLast()
  }

  mutating func key(_ name: String) {
    if needsComma[needsComma.count - 1] { text += "," }
    needsComma[needsComma.count - 1] = true
    text += HTMLRenderer.scriptSafeJSONString(name) + ":"
  }

  mutating func raw(_ piece: String) { text += piece }

  mutating func string(_ value: String) { text += HTMLRenderer.scriptSafeJSONString(value) }

  mutating func strings(_ values: [String]) {
    text += "[" + values.map(HTMLRenderer.scriptSafeJSONString).joined(separator: ",") + "]"
  }

  /// Ten significant digits: exact enough for points and value ranges.
  mutating func number(_ value: Double) {
    text += value.isFinite ? cFormat("%.10g", value) : "null"
  }

  mutating func rect(_ rect: Rect) {
    text +=
      "["
      + [rect.minX, rect.minY, rect.width, rect.height].map { cFormat("%.10g", $0) }.joined(separator: ",")
      + "]"
  }
}
