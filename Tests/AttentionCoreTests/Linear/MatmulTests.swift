import Testing

@testable import AttentionCore

@Suite struct MatmulTests {
  /// Rounding error of a float dot product is bounded by a small multiple of
  /// K·ε·Σ|a||b|; 1e-5 relative to that scale is generous yet catches any
  /// wrong index.
  private func expectMatches(
    _ product: Tensor, _ a: Tensor, _ b: Tensor, transposeB: Bool,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let expected = Reference.matmul(a, b, transposeB: transposeB)
    let scale = Reference.matmulMagnitude(a, b, transposeB: transposeB)
    for (index, (value, reference)) in zip(product.scalars, expected).enumerated() {
      let allowance = 1e-5 * scale[index] + 1e-6
      if !(abs(Double(value) - reference) <= allowance) {
        Issue.record("element \(index): \(value) vs \(reference)", sourceLocation: sourceLocation)
        return
      }
    }
  }

  @Test func batchedProductMatchesFloat64Reference() throws {
    let a = RandomTensors.uniform([3, 5, 9])
    let b = RandomTensors.uniform([3, 9, 7])
    let product = try matmul(a, b)
    #expect(product.shape == [3, 5, 7])
    expectMatches(product, a, b, transposeB: false)
  }

  @Test func transposeBMatchesFloat64Reference() throws {
    let a = RandomTensors.uniform([2, 3, 5, 9])
    let b = RandomTensors.uniform([2, 3, 7, 9])
    let product = try matmul(a, b, transposeB: true)
    #expect(product.shape == [2, 3, 5, 7])
    expectMatches(product, a, b, transposeB: true)
    #expect(product == (try matmul(a, b.transposedLastTwo())))
  }

  @Test func twoDimensionalBIsSharedAcrossTheBatch() throws {
    let a = RandomTensors.uniform([3, 5, 9])
    let b = RandomTensors.uniform([9, 11])
    let product = try matmul(a, b)
    #expect(product.shape == [3, 5, 11])
    expectMatches(product, a, b, transposeB: false)
  }

  @Test func plainMatricesAndAlpha() throws {
    let a = RandomTensors.uniform([13, 17])
    let b = RandomTensors.uniform([11, 17])
    let product = try matmul(a, b, transposeB: true, alpha: 0.25)
    #expect(product.shape == [13, 11])
    let halfA = a.scaled(by: 0.25)
    expectMatches(product, halfA, b, transposeB: true)
  }

  @Test func kernelWritesEveryElementOfAPoisonedOutput() {
    let (batch, m, n, k) = (3, 5, 7, 9)
    let a = RandomTensors.uniform([batch, m, k])
    let b = RandomTensors.uniform([batch, n, k])
    var output = poisoned(batch * m * n)
    a.scalars.withUnsafeBufferPointer { aBuffer in
      b.scalars.withUnsafeBufferPointer { bBuffer in
        output.withUnsafeMutableBufferPointer {
          GEMM.batched(
            a: aBuffer, b: bBuffer, output: $0, batch: batch, m: m, n: n, k: k,
            transposeB: true, sharedB: false, alpha: 1)
        }
      }
    }
    expectMatches(Tensor(shape: [batch, m, n], scalars: output), a, b, transposeB: true)
  }

  @Test func emptyContractionGivesZerosOverPoison() {
    var output = poisoned(2 * 3 * 4)
    output.withUnsafeMutableBufferPointer {
      GEMM.batched(
        a: UnsafeBufferPointer(start: nil, count: 0), b: UnsafeBufferPointer(start: nil, count: 0),
        output: $0, batch: 2, m: 3, n: 4, k: 0, transposeB: false, sharedB: false, alpha: 1)
    }
    #expect(output == [Float](repeating: 0, count: 24))
  }

  @Test func mismatchedShapesThrowWithBothShapes() {
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 4]", "[2, 5, 3]", "K"]) {
      _ = try matmul(.zeros([2, 3, 4]), .zeros([2, 5, 3]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 4]", "[3, 4, 5]", "batch"]) {
      _ = try matmul(.zeros([2, 3, 4]), .zeros([3, 4, 5]))
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[2, 3, 4]", "[2, 5, 3]", "b.mT"]) {
      _ = try matmul(.zeros([2, 3, 4]), .zeros([2, 5, 3]), transposeB: true)
    }
    expectAttentionError(.shapeMismatch, mentioning: ["[4]", "[4, 2]", "rank"]) {
      _ = try matmul(.zeros([4]), .zeros([4, 2]))
    }
  }
}
