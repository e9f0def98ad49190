// Drawing heatmap figures: Cairo and Pango for PNG, SVG and PDF, the
// self-contained HTML page and the terminal preview, each in its folder
// under Rendering/. The figure model and the layout they draw are
// HeatmapLayout's, which every user of Heatmaps sees without importing it.
@_exported import HeatmapLayout
