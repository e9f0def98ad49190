extension Colormap {
  /// ColorBrewer's sequential white-to-red, as matplotlib's `Reds`.
  public static let reds = Colormap(
    name: "Reds", stops: ColorStops(evenlySpaced: colors(ColormapTables.redsStops)))
  /// ColorBrewer's sequential white-to-blue, as matplotlib's `Blues`.
  public static let blues = Colormap(
    name: "Blues", stops: ColorStops(evenlySpaced: colors(ColormapTables.bluesStops)))
  /// ColorBrewer's sequential white-to-green, as matplotlib's `Greens`.
  public static let greens = Colormap(
    name: "Greens", stops: ColorStops(evenlySpaced: colors(ColormapTables.greensStops)))
  /// ColorBrewer's sequential white-to-black, as matplotlib's `Greys`.
  public static let greys = Colormap(
    name: "Greys", stops: ColorStops(evenlySpaced: colors(ColormapTables.greysStops)))
  /// ColorBrewer's sequential white-to-orange, as matplotlib's `Oranges`.
  public static let oranges = Colormap(
    name: "Oranges", stops: ColorStops(evenlySpaced: colors(ColormapTables.orangesStops)))
  /// ColorBrewer's sequential white-to-purple, as matplotlib's `Purples`.
  public static let purples = Colormap(
    name: "Purples", stops: ColorStops(evenlySpaced: colors(ColormapTables.purplesStops)))

  /// ColorBrewer's diverging red to white to blue, as matplotlib's `RdBu`:
  /// for differences centred at 0 (`RdBu_r` puts red above 0).
  public static let rdBu = Colormap(
    name: "RdBu", stops: ColorStops(evenlySpaced: colors(ColormapTables.rdBuStops)))
  /// Moreland's diverging blue to grey to red, as matplotlib's `coolwarm`.
  public static let coolwarm = Colormap(name: "coolwarm", stops: positionedStops(ColormapTables.coolwarmStops))

  /// matplotlib's default colormap, perceptually uniform, blue to yellow.
  public static let viridis = Colormap(name: "viridis", table: colors(ColormapTables.viridis))
  /// Perceptually uniform, black through purple to pale yellow.
  public static let magma = Colormap(name: "magma", table: colors(ColormapTables.magma))
  /// Perceptually uniform, black through red to yellow.
  public static let inferno = Colormap(name: "inferno", table: colors(ColormapTables.inferno))
  /// Perceptually uniform, blue through purple to yellow.
  public static let plasma = Colormap(name: "plasma", table: colors(ColormapTables.plasma))
  /// Perceptually uniform and readable with colour-vision deficiency, blue to yellow.
  public static let cividis = Colormap(name: "cividis", table: colors(ColormapTables.cividis))

  /// The built-in maps without their reversals, in the order names are listed.
  public static let builtIn: [Colormap] = [
    .reds, .blues, .greens, .greys, .oranges, .purples, .rdBu, .coolwarm,
    .viridis, .magma, .inferno, .plasma, .cividis,
  ]

  /// The built-in maps followed by their `_r` reversals.
  private static let builtInWithReversals: [Colormap] = builtIn + builtIn.map { $0.reversed() }

  /// Every name `named(_:)` knows: the built-in maps, then their `_r` reversals.
  public static let names: [String] = builtInWithReversals.map(\.name)

  /// The built-in colormap called `name`, spelled as in matplotlib (`Reds`,
  /// `viridis`, `Reds_r`) or in any other case (`reds`, `VIRIDIS_R`).
  ///
  /// - Throws: `UnknownColormapError` listing the known names.
  public static func named(_ name: String) throws -> Colormap {
    if let colormap = builtInWithReversals.first(where: { $0.name == name }) {
      return colormap
    }
    let folded = name.lowercased()
    if let colormap = builtInWithReversals.first(where: { $0.name.lowercased() == folded }) {
      return colormap
    }
    throw UnknownColormapError(name: name, knownNames: names)
  }

  /// Colour stops from text of one `position red green blue` line each.
  private static func positionedStops(_ text: String) -> ColorStops {
    let rows = text.split(whereSeparator: \.isNewline).map { line in
      line.split(whereSeparator: \.isWhitespace).map { word in
        guard let value = Double(word) else { preconditionFailure("not a number in a colour table: \(word)") }
        return value
      }
    }
    precondition(rows.allSatisfy { $0.count == 4 }, "positioned stops hold a position and three components")
    return ColorStops(
      positions: rows.map { $0[0] }, colors: rows.map { RGB(red: $0[1], green: $0[2], blue: $0[3]) })
  }

  /// Colours from text of one `red green blue` line each.
  ///
  /// The tables are text parsed at run time because the Swift compiler reads
  /// decimal float literals through Float80 on x86-64, which rounds twice and
  /// misses the nearest Float64 for some of matplotlib's values; `Double(_:)`
  /// on text rounds once.
  private static func colors(_ text: String) -> [RGB] {
    let components = text.split(whereSeparator: \.isWhitespace).map { word in
      guard let value = Double(word) else { preconditionFailure("not a number in a colour table: \(word)") }
      return value
    }
    precondition(components.count % 3 == 0, "colour tables hold three components per colour")
    return stride(from: 0, to: components.count, by: 3).map {
      RGB(red: components[$0], green: components[$0 + 1], blue: components[$0 + 2])
    }
  }
}
