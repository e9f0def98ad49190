import AttentionCore

/// The Gaussian error linear unit `x · Φ(x) = x · ½ · (1 + erf(x / √2))`,
/// which `transformers` runs for `hidden_act: "gelu"` (the erf form, not the
/// tanh approximation).
///
/// `erf` is evaluated as `x · P(x²) / Q(x²)` on `[-4, 4]` (beyond, erf is ±1
/// in float32), a rational approximation whose float32 evaluation is within
/// 3.7e-7 of erf everywhere; `scripts/reference/bert_fixtures.py erf-fit`
/// derives the coefficients. The encoder applies GELU inside the dense
/// kernel (`ak_dense_run_gelu`, the same fit in C, run by the GEMM's threads
/// on each block of the output); this is the plain reference beside it.
enum GELU {
  /// Adds `bias` to every row of `values`, then applies GELU, in one pass.
  ///
  /// - Parameters:
  ///   - values: `[N, F]`, changed in place.
  ///   - bias: `[F]`.
  static func apply(_ values: inout Tensor, bias: Tensor) {
    let width = bias.count
    precondition(values.rank == 2 && values.shape[1] == width, "values \(values.shape), bias \(bias.shape)")
    let rows = values.shape[0]
    values.scalars.withUnsafeMutableBufferPointer { values in
      bias.scalars.withUnsafeBufferPointer { bias in
        for row in 0..<rows {
          let values = values.baseAddress! + row * width
          for column in 0..<width {
            let x = values[column] + bias[column]
            values[column] = x * 0.5 * (1 + erf(x * 0.707_106_77))
          }
        }
      }
    }
  }

  /// erf(x) to within 3.7e-7 and never beyond ±1; NaN stays NaN.
  @inline(__always)
  static func erf(_ x: Float) -> Float {
    let clamped = x < -4 ? -4 : (x > 4 ? 4 : x)
    let t = clamped * clamped
    var numerator: Float = 1.915_680_6e-08
    numerator = numerator * t - 1.964_869e-06
    numerator = numerator * t + 1.511_850_9e-04
    numerator = numerator * t + 4.133_062e-03
    numerator = numerator * t + 5.194_971_3e-02
    numerator = numerator * t + 2.103_397e-01
    numerator = numerator * t + 1.128_378_9
    var denominator: Float = 1.057_432_9e-03
    denominator = denominator * t + 1.523_621_3e-02
    denominator = denominator * t + 1.193_014_8e-01
    denominator = denominator * t + 5.197_381e-01
    denominator = denominator * t + 1
    let value = clamped * numerator / denominator
    // The fit overshoots 1 by an ulp near ±4; past 1, 1 + erf(x) would turn negative for very negative x.
    return value < -1 ? -1 : (value > 1 ? 1 : value)
  }
}
