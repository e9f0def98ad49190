/// The values a colormap spans: `lower` takes its first colour, `upper` its
/// last, values between are spaced linearly, as matplotlib's `Normalize`.
public struct ValueRange: Sendable, Equatable {
  /// The value drawn with the colormap's first colour.
  public var lower: Double
  /// The value drawn with the colormap's last colour.
  public var upper: Double

  /// Creates a range; `lower` must be below `upper`.
  public init(lower: Double, upper: Double) {
    precondition(lower < upper, "value range \(lower)...\(upper) is empty")
    self.lower = lower
    self.upper = upper
  }

  /// The position of `value` in the range: 0 at `lower`, 1 at `upper`, outside
  /// 0...1 beyond them, NaN for NaN.
  @inline(__always)
  public func normalized(_ value: Double) -> Double {
    (value - lower) / (upper - lower)
  }

  /// The float32 position matplotlib's `Normalize` gives float32 data (a
  /// NumPy or PyTorch array), which is what picks a cell's colour.
  ///
  /// NumPy keeps float32 arrays float32 but does each step against the
  /// Float64 limits, rounding to float32 after the subtraction and again
  /// after the division; this does the same, so a cell near a colour
  /// boundary takes the entry matplotlib takes, where the Float64 formula
  /// would land one entry lower or higher.
  @inline(__always)
  public func normalized(_ value: Float) -> Float {
    let shifted = Float(Double(value) - lower)
    return Float(Double(shifted) / (upper - lower))
  }

  /// The range of the finite values in `values` with the given limits taking
  /// precedence, widened as matplotlib's colorbar widens a range of one value
  /// (`nonsingular` with `expander=0.1`). No finite values give 0...1.
  static func resolving(
    vmin: Float?, vmax: Float?, finiteExtrema: (min: Float, max: Float)?
  ) -> ValueRange {
    var lower = vmin.map(Double.init) ?? finiteExtrema.map { Double($0.min) } ?? 0
    var upper = vmax.map(Double.init) ?? finiteExtrema.map { Double($0.max) } ?? 1
    if finiteExtrema == nil && vmin != nil && vmax == nil { upper = lower + 1 }
    if finiteExtrema == nil && vmax != nil && vmin == nil { lower = upper - 1 }
    // One given limit may fall beyond the data's other end.
    if vmin != nil && vmax == nil { upper = max(upper, lower) }
    if vmax != nil && vmin == nil { lower = min(lower, upper) }
    if upper - lower <= max(abs(lower), abs(upper)) * 1e-15 {
      if lower == 0 && upper == 0 {
        (lower, upper) = (-0.1, 0.1)
      } else {
        (lower, upper) = (lower - 0.1 * abs(lower), upper + 0.1 * abs(upper))
      }
    }
    return ValueRange(lower: lower, upper: upper)
  }
}
