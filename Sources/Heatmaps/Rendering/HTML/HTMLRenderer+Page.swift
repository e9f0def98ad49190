extension HTMLRenderer {
  /// The page's style (`HTML/figure-page.css`): two themes as custom
  /// properties, the figure at its layout size, and the tools below it.
  static let style = String(decoding: PackageResources.figure_page_css, as: UTF8.self)

  /// The page's markup (`HTML/figure-page.html`): the controls, the figure's
  /// container, the enlarged-panel overlay and the head view; the script
  /// fills them.
  static let body = String(decoding: PackageResources.figure_page_html, as: UTF8.self)

  /// The drawing and the interaction (`HTML/figure-page.js`), in plain
  /// JavaScript.
  static let script = String(decoding: PackageResources.figure_page_js, as: UTF8.self)
}
