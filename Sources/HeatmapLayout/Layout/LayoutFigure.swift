/// Lays out a figure: where each panel, tick, label, title, annotation and
/// colorbar goes, in points. Every renderer draws from this one layout.
///
/// The grid follows matplotlib's `plt.subplots` with shared axes, `imshow`
/// and `fig.colorbar(pcm, ax=axes, shrink=0.6)`. When `keepsTextInside` is
/// set and some text would stick out of the figure, the grid shrinks from
/// that side until everything fits.
///
/// - Parameters:
///   - figure: the figure; it is expected to pass `validate()`.
///   - measurer: measures text in the font the renderer will use.
public func layoutFigure(_ figure: HeatmapFigure, measurer: any TextMeasurer) -> FigureLayout {
  LayoutEngine(figure: figure, measurer: measurer).layout()
}
