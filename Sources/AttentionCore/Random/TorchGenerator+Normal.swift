import Foundation

extension TorchGenerator {
  /// Fills `output` with standard normal samples the way PyTorch's CPU
  /// `normal_` kernel fills a contiguous float32 tensor.
  ///
  /// From 16 elements on, PyTorch first writes one 24-bit uniform float per
  /// element, then turns each block of 16 into normals with Box–Muller, the
  /// first 8 uniforms paired with the next 8. A tail shorter than 16 is not
  /// transformed in place: the last 16 elements are drawn afresh and
  /// transformed as one block, overlapping the previous block. Below 16
  /// elements PyTorch takes a scalar path in double precision instead.
  mutating func fillStandardNormal(_ output: UnsafeMutableBufferPointer<Float>) {
    let count = output.count
    guard count >= 16 else {
      for i in 0..<count { output[i] = Float(nextScalarNormal()) }
      return
    }
    fillUniformFloats(output)
    var start = 0
    while start + 16 <= count {
      boxMullerBlock(output.baseAddress! + start)
      start += 16
    }
    if count % 16 != 0 {
      let tail = output.baseAddress! + (count - 16)
      fillUniformFloats(UnsafeMutableBufferPointer(start: tail, count: 16))
      boxMullerBlock(tail)
    }
  }

  /// Fills `output` with 24-bit uniform floats, one engine draw each, as
  /// repeated `uniformFloat()` calls would.
  mutating func fillUniformFloats(_ output: UnsafeMutableBufferPointer<Float>) {
    let chunk = 1024
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: chunk) { draws in
      var start = 0
      while start < output.count {
        let count = min(chunk, output.count - start)
        let slice = UnsafeMutableBufferPointer(rebasing: draws[0..<count])
        engine.fill(slice)
        for i in 0..<count { output[start + i] = Float(slice[i] & 0xFF_FFFF) * 0x1p-24 }
        start += count
      }
    }
  }

  /// Turns 16 uniforms in place into 16 normals: element `j` and `j + 8`
  /// (for `j` in 0..<8) are the cosine and sine halves of one pair.
  private func boxMullerBlock(_ block: UnsafeMutablePointer<Float>) {
    for j in 0..<8 {
      let u1 = 1 - block[j]  // (0, 1], so the logarithm is finite
      let u2 = block[j + 8]
      switch normalKernel {
      case .avx2:
        let radius = (-2 * CephesFloat.log(u1)).squareRoot()
        let theta = Float(2 * Double.pi) * u2
        let (sine, cosine) = CephesFloat.sinCos(theta)
        block[j] = radius * cosine
        block[j + 8] = radius * sine
      case .generic:
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        // PyTorch forms this product in double (2.0f * pi<double> * u2).
        let theta = Float(2 * Double.pi * Double(u2))
        block[j] = radius * Foundation.cos(theta)
        block[j + 8] = radius * Foundation.sin(theta)
      }
    }
  }

  /// One sample of PyTorch's scalar `normal_distribution<double>`: a
  /// Box–Muller pair from two 53-bit uniforms, the sine half cached for the
  /// next call.
  mutating func nextScalarNormal() -> Double {
    if let cached = cachedNormal {
      cachedNormal = nil
      return cached
    }
    let u1 = uniformDouble()
    let u2 = uniformDouble()
    let radius = (-2 * Foundation.log1p(-u2)).squareRoot()
    let theta = 2 * Double.pi * u1
    cachedNormal = radius * Foundation.sin(theta)
    return radius * Foundation.cos(theta)
  }
}
