/// The linear map from data values to 0...1 that `imshow` applies before a
/// colormap: matplotlib's `Normalize(vmin, vmax)` without clipping.
///
/// Values below `vmin` come out negative and values above `vmax` above 1; the
/// colormap gives them its first and last colours. When `vmin == vmax` every
/// value maps to 0, as in matplotlib. `imshow` masks NaN and infinite data before
/// normalising and draws it transparent, so a renderer should test
/// `value.isFinite` first rather than rely on what this returns for them.
public struct Normalization: Sendable, Equatable {
  public let vmin: Double
  public let vmax: Double

  /// - Throws: `NormalizationError` when a limit isn't finite or `vmin > vmax`.
  public init(vmin: Double, vmax: Double) throws {
    guard vmin.isFinite else { throw NormalizationError.nonFiniteLimit(name: "vmin", value: vmin) }
    guard vmax.isFinite else { throw NormalizationError.nonFiniteLimit(name: "vmax", value: vmax) }
    guard vmin <= vmax else { throw NormalizationError.invertedLimits(vmin: vmin, vmax: vmax) }
    self.vmin = vmin
    self.vmax = vmax
  }

  /// Limits taken from the data where not given, as `imshow` autoscales:
  /// the least and greatest finite value (NaN and infinities are masked).
  ///
  /// With no finite data a missing limit copies the other one, or both are 0;
  /// every cell is masked then anyway.
  ///
  /// - Parameters:
  ///   - vmin: the value drawn with the first colour; nil to use the data's minimum.
  ///   - vmax: the value drawn with the last colour; nil to use the data's maximum.
  ///   - values: the data, in any order.
  /// - Throws: `NormalizationError` when a limit isn't finite or the limits end
  ///   up with `vmin > vmax` (e.g. only `vmax` given, below all the data).
  public init(vmin: Double? = nil, vmax: Double? = nil, autoscalingTo values: some Sequence<Float>) throws {
    var low = Float.infinity
    var high = -Float.infinity
    if vmin == nil || vmax == nil {
      for value in values where value.isFinite {
        low = min(low, value)
        high = max(high, value)
      }
    }
    let dataRange: (Double, Double)? = low <= high ? (Double(low), Double(high)) : nil
    let resolvedMin = vmin ?? dataRange?.0 ?? vmax ?? 0
    let resolvedMax = vmax ?? dataRange?.1 ?? resolvedMin
    try self.init(vmin: resolvedMin, vmax: resolvedMax)
  }

  /// `(value - vmin) / (vmax - vmin)` in Float64, or 0 when `vmin == vmax`.
  public func normalized(_ value: Double) -> Double {
    Self.normalized(value, vmin: vmin, vmax: vmax)
  }

  /// The float32 result matplotlib gets for float32 data (e.g. a PyTorch tensor).
  ///
  /// NumPy keeps float32 arrays float32 but does each step against the Float64
  /// limits, rounding to float32 after the subtraction and again after the
  /// division; this does the same, so cells near a colour boundary pick the
  /// entry matplotlib picks.
  public func normalized(_ value: Float) -> Float {
    if vmin == vmax { return 0 }
    let shifted = Float(Double(value) - vmin)
    return Float(Double(shifted) / (vmax - vmin))
  }

  /// `(value - vmin) / (vmax - vmin)` in Float64, or 0 when `vmin == vmax`
  /// (matplotlib's `Normalize` fills the result with 0 then).
  ///
  /// The limits aren't checked here; `init(vmin:vmax:)` checks them.
  public static func normalized(_ value: Double, vmin: Double, vmax: Double) -> Double {
    if vmin == vmax { return 0 }
    return (value - vmin) / (vmax - vmin)
  }
}
