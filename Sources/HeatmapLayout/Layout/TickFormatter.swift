#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// matplotlib's `ScalarFormatter` with default settings: one number of
/// decimals for all labels of an axis, an offset when it saves four digits,
/// a power of ten outside 1e-5...1e6, and the typographic minus.
struct TickFormatter {
  /// The label of each tick, in the order given.
  let labels: [String]
  /// The common offset and power of ten, e.g. `1e−5` or `+1e3`; empty when none.
  let offsetText: String

  private static let powerLimits = (-5, 6)
  private static let offsetThreshold = 4

  /// Formats `ticks`, all the locator returned, for an axis showing `lower...upper`.
  init(ticks: [Double], lower: Double, upper: Double) {
    let (viewMin, viewMax) = (min(lower, upper), max(lower, upper))
    let visible = ticks.filter { viewMin <= $0 && $0 <= viewMax }
    let offset = Self.offset(visible: visible)
    let magnitude = Self.orderOfMagnitude(
      visible: visible, offset: offset, viewSpread: viewMax - viewMin)
    let decimals = Self.decimals(
      ticks: ticks, offset: offset, magnitude: magnitude, view: (lower, upper))
    let divisor = pow(10, Double(magnitude))
    labels = ticks.map { tick in
      var scaled = (tick - offset) / divisor
      if abs(scaled) < 1e-8 { scaled = 0 }
      return typographicMinus(cFormat("%1.\(decimals)f", scaled))
    }
    var text = ""
    if !ticks.isEmpty && (magnitude != 0 || offset != 0) {
      if magnitude != 0 { text += "1e\(magnitude)" }
      if offset != 0 { text += (offset > 0 ? "+" : "") + Self.formatData(offset) }
    }
    offsetText = typographicMinus(text)
  }

  /// `_compute_offset`: the leading digits all visible ticks share.
  private static func offset(visible: [Double]) -> Double {
    guard let lowest = visible.min(), let highest = visible.max() else { return 0 }
    if lowest == highest || (lowest <= 0 && 0 <= highest) { return 0 }
    let absMin = min(abs(lowest), abs(highest))
    let absMax = max(abs(lowest), abs(highest))
    let sign: Double = lowest < 0 ? -1 : 1
    let topMagnitude = ceil(log10(absMax))
    func firstMagnitude(from start: Double, where differs: (Double) -> Bool) -> Double {
      var magnitude = start
      while !differs(magnitude) { magnitude -= 1 }
      return magnitude
    }
    var magnitude =
      1
      + firstMagnitude(from: topMagnitude) { m in
        pythonFloorDivide(absMin, pow(10, m)) != pythonFloorDivide(absMax, pow(10, m))
      }
    if (absMax - absMin) / pow(10, magnitude) <= 1e-2 {
      magnitude =
        1
        + firstMagnitude(from: topMagnitude) { m in
          pythonFloorDivide(absMax, pow(10, m)) - pythonFloorDivide(absMin, pow(10, m)) > 1
        }
    }
    let leading = pythonFloorDivide(absMax, pow(10, magnitude))
    return leading >= pow(10, Double(offsetThreshold - 1)) ? sign * leading * pow(10, magnitude) : 0
  }

  /// `_set_order_of_magnitude`: the power of ten factored out of the labels.
  private static func orderOfMagnitude(visible: [Double], offset: Double, viewSpread: Double) -> Int {
    guard !visible.isEmpty else { return 0 }
    let magnitude: Int
    if offset != 0 {
      magnitude = Int(floor(log10(viewSpread)))
    } else {
      let largest = visible.map(abs).max()!
      magnitude = largest == 0 ? 0 : Int(floor(log10(largest)))
    }
    return magnitude <= powerLimits.0 || magnitude >= powerLimits.1 ? magnitude : 0
  }

  /// `_set_format`: the fewest decimals that tell every tick apart.
  private static func decimals(
    ticks: [Double], offset: Double, magnitude: Int, view: (Double, Double)
  ) -> Int {
    let augmented = ticks.count < 2 ? ticks + [view.0, view.1] : ticks
    var scaled = augmented.map { ($0 - offset) / pow(10, Double(magnitude)) }
    var spread = (scaled.max() ?? 0) - (scaled.min() ?? 0)
    if spread == 0 { spread = scaled.map(abs).max() ?? 0 }
    if spread == 0 { spread = 1 }
    if ticks.count < 2 { scaled.removeLast(2) }
    let spreadMagnitude = Int(floor(log10(spread)))
    var decimals = max(0, 3 - spreadMagnitude)
    let threshold = 1e-3 * pow(10, Double(spreadMagnitude))
    while decimals >= 0 {
      let factor = pow(10, Double(decimals))
      let error = scaled.map { abs($0 - ($0 * factor).rounded(.toNearestOrEven) / factor) }.max() ?? 0
      if error < threshold { decimals -= 1 } else { break }
    }
    return decimals + 1
  }

  /// `format_data`: a value as its significant digits and a power of ten.
  private static func formatData(_ value: Double) -> String {
    let exponent = Int(floor(log10(abs(value))))
    let factor = pow(10, Double(exponent))
    let significand = ((value / factor) * 1e10).rounded(.toNearestOrEven) / 1e10
    let digits =
      significand.truncatingRemainder(dividingBy: 1) == 0
      ? cFormat("%d", Int(significand)) : cFormat("%1.10g", significand)
    return exponent == 0 ? digits : "\(digits)e\(exponent)"
  }
}
