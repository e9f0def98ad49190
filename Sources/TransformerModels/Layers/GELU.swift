import Foundation

/// The exact Gaussian error linear unit, `x · Φ(x) = x · ½ · (1 + erf(x / √2))`,
/// which `transformers` runs for `hidden_act: "gelu"` (not the tanh approximation).
enum GELU {
  /// Applies GELU to every element, in place.
  static func apply(_ values: inout [Float]) {
    values.withUnsafeMutableBufferPointer { values in
      for index in values.indices {
        let x = values[index]
        values[index] = x * 0.5 * (1 + erf(x * 0.707_106_77))
      }
    }
  }
}
