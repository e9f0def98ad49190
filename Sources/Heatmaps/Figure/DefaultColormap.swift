extension Colormap {
  /// matplotlib's `Reds`: the nine ColorBrewer Reds colours (as matplotlib
  /// writes them in `_cm.py`), evenly spaced and interpolated to 256 entries the
  /// way `LinearSegmentedColormap.from_list` builds its lookup table.
  public static let defaultReds = Colormap(
    name: "Reds",
    table: interpolatedTable(
      stops: [
        (1.0, 0.96078431372549022, 0.94117647058823528),
        (0.99607843137254903, 0.8784313725490196, 0.82352941176470584),
        (0.9882352941176471, 0.73333333333333328, 0.63137254901960782),
        (0.9882352941176471, 0.5725490196078431, 0.44705882352941179),
        (0.98431372549019602, 0.41568627450980394, 0.29019607843137257),
        (0.93725490196078431, 0.23137254901960785, 0.17254901960784313),
        (0.79607843137254897, 0.094117647058823528, 0.11372549019607843),
        (0.6470588235294118, 0.058823529411764705, 0.08235294117647058),
        (0.40392156862745099, 0.0, 0.05098039215686274),
      ],
      entryCount: 256))

  /// matplotlib's `_create_lookup_table` for evenly spaced stops. The
  /// arithmetic follows it step by step, because truncating to bytes makes a
  /// one-ulp difference visible.
  private static func interpolatedTable(
    stops: [(Double, Double, Double)], entryCount: Int
  ) -> [RGB] {
    let last = Double(entryCount - 1)
    let stopStep = 1.0 / Double(stops.count - 1)
    let stopPositions = stops.indices.map { k in
      (k == stops.count - 1 ? 1.0 : Double(k) * stopStep) * last
    }
    let entryStep = 1.0 / last
    func channel(_ pick: ((Double, Double, Double)) -> Double) -> [Double] {
      var lut = [Double](repeating: 0, count: entryCount)
      lut[0] = pick(stops[0])
      lut[entryCount - 1] = pick(stops[stops.count - 1])
      for entry in 1..<(entryCount - 1) {
        let position = last * (Double(entry) * entryStep)
        // numpy's searchsorted(side='left'): the first stop at or after `position`.
        let upper = stopPositions.firstIndex { $0 >= position } ?? stops.count - 1
        let distance =
          (position - stopPositions[upper - 1]) / (stopPositions[upper] - stopPositions[upper - 1])
        let (low, high) = (pick(stops[upper - 1]), pick(stops[upper]))
        lut[entry] = min(max(distance * (high - low) + low, 0), 1)
      }
      return lut
    }
    let (reds, greens, blues) = (channel { $0.0 }, channel { $0.1 }, channel { $0.2 })
    return (0..<entryCount).map { RGB(red: reds[$0], green: greens[$0], blue: blues[$0]) }
  }
}
