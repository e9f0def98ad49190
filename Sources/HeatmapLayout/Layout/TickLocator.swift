#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// matplotlib's `AutoLocator`: `MaxNLocator(nbins='auto', steps=[1, 2, 2.5, 5, 10])`,
/// choosing round tick values for an axis from how many labels fit along it.
struct TickLocator {
  /// The most intervals between ticks, 1...9.
  let binCount: Int

  private static let steps: [Double] = [1, 2, 2.5, 5, 10]
  private static let minimumTickCount = 2

  /// A locator for an axis of `length` points whose labels are `fontSize`
  /// points high: matplotlib's `get_tick_space` allows a label every three
  /// font sizes along x and every two along y.
  init(axisLength length: Double, labelFontSize fontSize: Double, isVertical: Bool) {
    let space = Int((length / (fontSize * (isVertical ? 2 : 3))).rounded(.down))
    binCount = min(max(space, Self.minimumTickCount - 1), 9)
  }

  /// The ticks covering `lower...upper`, including the round values just
  /// beyond either end, as `MaxNLocator.tick_values` returns them.
  func ticks(from lower: Double, to upper: Double) -> [Double] {
    let (vmin, vmax) = Self.nonsingular(lower, upper)
    let (scale, offset) = Self.scaleRange(vmin, vmax, binCount)
    let (shiftedMin, shiftedMax) = (vmin - offset, vmax - offset)
    let extendedSteps =
      Self.steps.dropLast().map { 0.1 * $0 } + Self.steps + [10 * Self.steps[1]]
    let steps = extendedSteps.map { $0 * scale }
    let rawStep = (shiftedMax - shiftedMin) / Double(binCount)
    let firstLarge = steps.firstIndex { $0 >= rawStep } ?? steps.count - 1
    var ticks: [Double] = []
    for step in steps[...firstLarge].reversed() {
      let bestMin = pythonFloorDivide(shiftedMin, step) * step
      let low = Self.edgeLower(shiftedMin - bestMin, step: step, offset: offset)
      let high = Self.edgeUpper(shiftedMax - bestMin, step: step, offset: offset)
      ticks = stride(from: low, through: high, by: 1).map { $0 * step + bestMin }
      let shown = ticks.filter { $0 <= shiftedMax && $0 >= shiftedMin }.count
      if shown >= Self.minimumTickCount { break }
    }
    return ticks.map { $0 + offset }
  }

  /// matplotlib's `nonsingular(expander=1e-13, tiny=1e-14)`.
  private static func nonsingular(_ a: Double, _ b: Double) -> (Double, Double) {
    let expander = 1e-13
    let tiny = 1e-14
    guard a.isFinite && b.isFinite else { return (-expander, expander) }
    var (vmin, vmax) = (min(a, b), max(a, b))
    let largest = max(abs(vmin), abs(vmax))
    if largest < (1e6 / tiny) * Double.leastNormalMagnitude {
      (vmin, vmax) = (-expander, expander)
    } else if vmax - vmin <= largest * tiny {
      if vmax == 0 && vmin == 0 {
        (vmin, vmax) = (-expander, expander)
      } else {
        vmin -= expander * abs(vmin)
        vmax += expander * abs(vmax)
      }
    }
    return (vmin, vmax)
  }

  /// matplotlib's `scale_range`: a power of ten near a bin's width, and an
  /// offset when the values sit far from zero compared to their spread.
  private static func scaleRange(_ vmin: Double, _ vmax: Double, _ bins: Int) -> (Double, Double) {
    let spread = abs(vmax - vmin)
    let mean = (vmax + vmin) / 2
    var offset = 0.0
    if abs(mean) / spread >= 100 {
      offset = pow(10, pythonFloorDivide(log10(abs(mean)), 1)) * (mean < 0 ? -1 : 1)
    }
    let scale = pow(10, pythonFloorDivide(log10(spread / Double(bins)), 1))
    return (scale, offset)
  }

  /// The tolerance of `_Edge_integer.closeto`, looser when the offset dwarfs the step.
  private static func tolerance(step: Double, offset: Double) -> Double {
    guard offset != 0 else { return 1e-10 }
    let digits = log10(abs(offset) / step)
    return min(0.4999, max(1e-10, pow(10, digits - 12)))
  }

  /// The largest n with n·step ≤ x, allowing for rounding.
  private static func edgeLower(_ x: Double, step: Double, offset: Double) -> Double {
    let (quotient, remainder) = pythonDivmod(x, step)
    return abs(remainder / step - 1) < tolerance(step: step, offset: offset) ? quotient + 1 : quotient
  }

  /// The smallest n with n·step ≥ x, allowing for rounding.
  private static func edgeUpper(_ x: Double, step: Double, offset: Double) -> Double {
    let (quotient, remainder) = pythonDivmod(x, step)
    return abs(remainder / step) < tolerance(step: step, offset: offset) ? quotient : quotient + 1
  }
}
