import Heatmaps

/// The page `GET /` answers: a model selector; a form that fetches `GET
/// /view`, the interactive HTML figure of `attn model` through the lens
/// chosen, over words or word pieces, once, and shows it in a frame, or the
/// error the server answered instead (`/?text=..&pair=..` draws that text at
/// once); the tokens, dragged over to draw a span's attention; two texts
/// compared, side by side and A − B (`GET /view/compare`, `POST
/// /api/compare`); the head atlas (`POST /api/atlas`), whose heads a click
/// switches off (`POST /api/ablate`); and for a model that writes, a prompt
/// whose generation is drawn as it streams, each written token shading the
/// tokens before it by its attention on the figures' colormap. Its markup, style
/// and script are the files in `Page/`, compiled in; the page loads nothing else.
let servePage = """
  <!DOCTYPE html>
  <html lang="en">
  <head>
  <meta charset="utf-8">
  <title>attn serve</title>
  <style>
  \(String(decoding: PackageResources.serve_page_css, as: UTF8.self))</style>
  </head>
  <body>
  \(String(decoding: PackageResources.serve_page_html, as: UTF8.self))\
  <script type="application/json" id="colormap">"\(Colormap.reds.hexTable)"</script>
  <script>
  \(String(decoding: PackageResources.serve_page_js, as: UTF8.self))</script>
  </body>
  </html>
  """

/// The page `GET /long` answers (`renderLongRunPage`): a long text run
/// once on the server (`POST /api/run`), every head a thumbnail, one head
/// opened to zoom and pan down to the exact weights.
let longPage = renderLongRunPage(data: nil)
