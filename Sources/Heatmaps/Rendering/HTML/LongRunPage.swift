import HeatmapLayout

/// The page that explores a long run: every layer × head as a thumbnail of
/// its pooled map, one head opened to zoom and pan, pooled while cells are
/// smaller than pixels and exact once they are large, with the tokens and
/// each weight under the pointer. Its markup, style and script are
/// `long-page.{html,css,js}`, compiled in; it loads nothing else.
///
/// - Parameter data: nil for the page `attn serve` answers at `GET /long`,
///   which runs texts and reads their heads through `POST /api/run` and
///   `GET /api/runs/{id}/…`; or the JSON of one run written into the page
///   (`LongRunFile`), for a file that opens offline.
public func renderLongRunPage(data: String?) -> String {
  // A run's JSON is inert in a script element of its own; `</` is the one
  // sequence that could end that element early, written here as `<\/`.
  let embedded =
    data.map {
      "<script type=\"application/json\" id=\"long-data\">"
        + $0.replacingOccurrences(of: "</", with: "<\\/") + "</script>\n"
    } ?? ""
  return """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>\(data == nil ? "attn serve: a long text" : "attn: a long run")</title>
    <style>
    \(String(decoding: PackageResources.long_page_css, as: UTF8.self))</style>
    </head>
    <body>
    \(String(decoding: PackageResources.long_page_html, as: UTF8.self))\
    <script type="application/json" id="colormap">"\(Colormap.reds.hexTable)"</script>
    \(embedded)<script>
    \(String(decoding: PackageResources.long_page_js, as: UTF8.self))</script>
    </body>
    </html>
    """
}
