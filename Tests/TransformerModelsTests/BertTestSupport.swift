import Foundation
import TensorIO
import TransformerModels

/// The description of the `BertModelError` that `body` throws, or nil if it returns.
func bertFailure<T>(_ body: () throws -> T) -> String? {
  do {
    _ = try body()
    return nil
  } catch let error as BertModelError {
    return error.description
  } catch {
    return "not a BertModelError: \(error)"
  }
}

/// The largest absolute difference between two equally long sequences.
func maximumDifference<A: Sequence, B: Sequence>(_ a: A, _ b: B) -> Double
where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
  zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
}
