import Testing

@testable import HeatmapLayout
@testable import Heatmaps

private let matplotlibNames = [
  "Reds", "Blues", "Greens", "Greys", "Oranges", "Purples", "RdBu", "coolwarm",
  "viridis", "magma", "inferno", "plasma", "cividis",
]

@Suite struct ColormapNamedTests {
  @Test("names are matplotlib's, each with its _r reversal")
  func namesAreMatplotlibs() {
    #expect(Colormap.names == matplotlibNames + matplotlibNames.map { $0 + "_r" })
    #expect(Colormap.builtIn.map(\.name) == matplotlibNames)
  }

  @Test("named(_:) returns the static member of that name")
  func namedReturnsTheStaticMember() throws {
    let members: [Colormap] = [
      .reds, .blues, .greens, .greys, .oranges, .purples,
      .viridis, .magma, .inferno, .plasma, .cividis,
    ]
    for member in members {
      #expect(try Colormap.named(member.name) == member)
      #expect(try Colormap.named(member.name + "_r") == member.reversed())
    }
  }

  @Test("named(_:) also accepts any other case")
  func namedIgnoresCase() throws {
    #expect(try Colormap.named("reds") == Colormap.reds)
    #expect(try Colormap.named("VIRIDIS") == Colormap.viridis)
    #expect(try Colormap.named("greys_R").name == "Greys_r")
    #expect(try Colormap.named("Cividis_r").table == Colormap.cividis.reversed().table)
  }

  @Test("an unknown name throws an error that lists the known names")
  func unknownNameListsKnownNames() {
    for name in ["Redz", "", "Reds_r_r", "viridis ", "jet"] {
      #expect(throws: UnknownColormapError(name: name, knownNames: Colormap.names)) {
        try Colormap.named(name)
      }
    }
    let error = UnknownColormapError(name: "Redz", knownNames: Colormap.names)
    #expect(error.description.hasPrefix("unknown colormap \"Redz\"; known: Reds, Blues, Greens, "))
    for name in Colormap.names {
      #expect(error.description.contains(name))
    }
    #expect(error.description.hasSuffix("plasma_r, cividis_r"))
  }
}
