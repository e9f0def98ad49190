import COpenBLAS

/// The matrix product over the last two axes, batched over the leading axes.
///
/// Legend: `M` rows of `a`, `K` the contracted axis, `N` columns of the
/// result; `...` any number of leading (batch) axes.
///
/// The product runs through OpenBLAS `cblas_sgemm`, one call per matrix of
/// the batch. OpenBLAS spreads each call over its own thread pool, so this
/// function does not start threads of its own and should not be called
/// from several threads at once.
///
/// - Parameters:
///   - a: `[..., M, K]`.
///   - b: `[..., K, N]`, or `[..., N, K]` when `transposeB` is true. Its
///     leading axes equal those of `a`, or `b` is 2-D and shared by every
///     matrix of the batch.
///   - transposeB: multiply by the transpose of `b`'s last two axes without
///     materialising it (`a @ b.mT`), as attention does with `keys`.
/// - Returns: `[..., M, N]`.
/// - Throws: `AttentionError` naming both shapes if they do not fit.
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) throws -> Tensor {
  try matmul(a, b, transposeB: transposeB, alpha: 1)
}

/// `alpha · (a @ b)` or `alpha · (a @ b.mT)`; scaled dot-product scoring
/// folds its 1/√D into `alpha`.
func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool, alpha: Float) throws -> Tensor {
  let operation = transposeB ? "a @ b.mT" : "a @ b"
  guard a.rank >= 2, b.rank >= 2 else {
    throw AttentionError.shapeMismatch(
      "matmul (\(operation)) needs a and b of rank >= 2, got a \(a.shape) and b \(b.shape)")
  }
  let m = a.shape[a.rank - 2]
  let k = a.shape[a.rank - 1]
  let bRows = b.shape[b.rank - 2]
  let bColumns = b.shape[b.rank - 1]
  let (bK, n) = transposeB ? (bColumns, bRows) : (bRows, bColumns)
  guard k == bK else {
    throw AttentionError.shapeMismatch(
      "matmul (\(operation)): a \(a.shape) and b \(b.shape) disagree on K (\(k) vs \(bK))")
  }
  let batchShape = Array(a.shape.dropLast(2))
  let sharedB = b.rank == 2
  guard sharedB || Array(b.shape.dropLast(2)) == batchShape else {
    throw AttentionError.shapeMismatch(
      "matmul (\(operation)): a \(a.shape) and b \(b.shape) disagree on the batch axes "
        + "(\(batchShape) vs \(Array(b.shape.dropLast(2))))")
  }
  let batch = Tensor.elementCount(batchShape)
  let resultCount = batch * m * n
  let scalars = [Float](unsafeUninitializedCapacity: resultCount) { output, initialized in
    a.scalars.withUnsafeBufferPointer { aBuffer in
      b.scalars.withUnsafeBufferPointer { bBuffer in
        GEMM.batched(
          a: aBuffer, b: bBuffer, output: output, batch: batch, m: m, n: n, k: k,
          transposeB: transposeB, sharedB: sharedB, alpha: alpha)
      }
    }
    initialized = resultCount
  }
  return Tensor(shape: batchShape + [m, n], scalars: scalars)
}

/// The batched GEMM kernel behind `matmul`, writing into caller memory.
enum GEMM {
  /// `output[i] = alpha · a[i] @ op(b[i])` for `i` in `0..<batch`.
  ///
  /// Every element of `output` is written (zero when `k == 0`), whatever it
  /// held before.
  ///
  /// - Parameters:
  ///   - a: `(batch, m, k)` row-major.
  ///   - b: `(batch, k, n)`, or `(batch, n, k)` when `transposeB`; a single
  ///     matrix when `sharedB`.
  ///   - output: `(batch, m, n)`.
  static func batched(
    a: UnsafeBufferPointer<Float>, b: UnsafeBufferPointer<Float>,
    output: UnsafeMutableBufferPointer<Float>,
    batch: Int, m: Int, n: Int, k: Int, transposeB: Bool, sharedB: Bool, alpha: Float
  ) {
    precondition(a.count == batch * m * k, "a holds \(a.count) elements, not \(batch)·\(m)·\(k)")
    precondition(
      b.count == (sharedB ? 1 : batch) * k * n, "b holds \(b.count) elements for k \(k), n \(n)")
    precondition(output.count == batch * m * n, "output holds \(output.count), not \(batch)·\(m)·\(n)")
    guard output.count > 0 else { return }
    guard k > 0 else {
      // An empty sum; BLAS may refuse k == 0 with lda >= 1 rules, so write it here.
      output.initialize(repeating: 0)
      return
    }
    let limit = Int(Int32.max)
    precondition(m <= limit && n <= limit && k <= limit, "matrix axes exceed 32-bit BLAS indices")
    for index in 0..<batch {
      cblas_sgemm(
        CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k),
        alpha,
        a.baseAddress! + index * m * k, Int32(k),
        b.baseAddress! + (sharedB ? 0 : index * k * n), Int32(transposeB ? k : n),
        0,
        output.baseAddress! + index * m * n, Int32(n))
    }
  }
}
