/// Limits that can't normalise data.
public enum NormalizationError: Error, CustomStringConvertible, Equatable {
  /// `vmin` or `vmax` is NaN or infinite.
  case nonFiniteLimit(name: String, value: Double)
  /// `vmin` is greater than `vmax`.
  case invertedLimits(vmin: Double, vmax: Double)

  public var description: String {
    switch self {
    case .nonFiniteLimit(let name, let value):
      "colour limit \(name) must be a finite number, not \(value)"
    case .invertedLimits(let vmin, let vmax):
      "colour limits are inverted: vmin \(vmin) is greater than vmax \(vmax)"
    }
  }
}
