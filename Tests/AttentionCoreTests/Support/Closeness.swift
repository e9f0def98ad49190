import Testing

@testable import AttentionCore

/// The largest violation of `|actual - expected| <= absolute + relative·|expected|`
/// (in units of the allowance; <= 1 passes), and where it happened.
func worstMismatch(
  _ actual: [Float], _ expected: [Double], relative: Double, absolute: Double
) -> (ratio: Double, index: Int) {
  precondition(actual.count == expected.count, "\(actual.count) vs \(expected.count) elements")
  var worst = (ratio: 0.0, index: -1)
  for (index, (value, reference)) in zip(actual, expected).enumerated() {
    let allowance = absolute + relative * abs(reference)
    let error = abs(Double(value) - reference)
    // NaN fails on purpose: `error / allowance` is NaN and `!(x <= 1)`.
    let ratio = error.isNaN ? .infinity : error / allowance
    if ratio > worst.ratio { worst = (ratio, index) }
  }
  return worst
}

/// Expects `actual` to match the Float64 `expected` elementwise within
/// `absolute + relative·|expected|`.
func expectClose(
  _ actual: [Float], _ expected: [Double], relative: Double = 1e-5, absolute: Double = 1e-6,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.count == expected.count, sourceLocation: sourceLocation)
  guard actual.count == expected.count else { return }
  let worst = worstMismatch(actual, expected, relative: relative, absolute: absolute)
  #expect(
    worst.ratio <= 1,
    "element \(worst.index): \(worst.index >= 0 ? actual[worst.index] : 0) vs \(worst.index >= 0 ? expected[worst.index] : 0)",
    sourceLocation: sourceLocation)
}

/// Expects `body` to throw an `AttentionError` of `kind` whose description
/// contains every string of `mentions`.
func expectAttentionError(
  _ kind: AttentionError.Kind, mentioning mentions: [String],
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected an AttentionError (\(kind)), nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as AttentionError {
    #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
    for mention in mentions {
      #expect(
        error.description.contains(mention), "\"\(error)\" lacks \"\(mention)\"",
        sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("expected an AttentionError, got \(error)", sourceLocation: sourceLocation)
  }
}
