/// PyTorch's default CPU random generator, reproduced draw for draw.
///
/// `TorchGenerator(seed: s)` is in the state `torch.manual_seed(s)` leaves
/// the default CPU generator in: an MT19937 engine seeded with the low 32
/// bits of `s`, and no cached normal sample. The samplers consume the engine
/// exactly as PyTorch's CPU kernels do, so
///
/// ```swift
/// var generator = TorchGenerator(seed: 42)
/// let logits = generator.randn([10, 10])
/// ```
///
/// holds the same float32 values as
/// `torch.manual_seed(42); logits = torch.randn(10, 10)`, and a sequence of
/// calls continues the way the same sequence of PyTorch calls does.
public struct TorchGenerator: Sendable {
  /// Which of PyTorch's CPU kernels `randn` reproduces for 16 or more elements.
  ///
  /// The two differ in the last bit or two of some samples because they
  /// evaluate the logarithm, sine and cosine differently.
  public enum NormalKernel: Sendable, Equatable {
    /// The AVX2 kernel (Cephes polynomials with fused multiply-adds), which
    /// PyTorch runs on x86-64 CPUs with AVX2 or AVX-512. The common case, and
    /// the source of the values printed in PyTorch's documentation.
    case avx2
    /// The generic kernel (libm `logf`, `cosf`, `sinf`), which PyTorch runs
    /// where no vectorized specialisation exists, e.g. with
    /// `ATEN_CPU_CAPABILITY=default`.
    case generic
  }

  /// The seed given to `init(seed:)`, as `torch.initial_seed()` reports it.
  public let initialSeed: UInt64
  /// The kernel `randn` reproduces for tensors of 16 or more elements.
  public var normalKernel: NormalKernel

  var engine: MersenneTwister
  /// The second sample of the last scalar Box–Muller pair, kept for the next
  /// scalar draw as PyTorch's `next_double_normal_sample` is.
  var cachedNormal: Double?

  /// Creates a generator in the state `torch.manual_seed(seed)` produces.
  ///
  /// - Parameters:
  ///   - seed: the seed; as in PyTorch only its low 32 bits reach the engine.
  ///   - normalKernel: the CPU kernel to reproduce in `randn`.
  public init(seed: UInt64, normalKernel: NormalKernel = .avx2) {
    self.initialSeed = seed
    self.normalKernel = normalKernel
    self.engine = MersenneTwister(seed: UInt32(truncatingIfNeeded: seed))
    self.cachedNormal = nil
  }

  /// The next 32 random bits (PyTorch's `CPUGeneratorImpl::random`).
  public mutating func random() -> UInt32 {
    engine.next()
  }

  /// The next 64 random bits: two 32-bit draws, the first one high
  /// (PyTorch's `CPUGeneratorImpl::random64`).
  public mutating func random64() -> UInt64 {
    let high = UInt64(engine.next())
    let low = UInt64(engine.next())
    return high << 32 | low
  }

  /// A float uniform on [0, 1) with 24 random bits, as PyTorch draws it for
  /// float32 tensors.
  mutating func uniformFloat() -> Float {
    Float(random() & 0xFF_FFFF) * 0x1p-24
  }

  /// A double uniform on [0, 1) with 53 random bits from one 64-bit draw.
  mutating func uniformDouble() -> Double {
    Double(random64() & 0x1F_FFFF_FFFF_FFFF) * 0x1p-53
  }

  /// Samples uniform on [0, 1), as `torch.rand(shape)` (float32).
  ///
  /// - Parameter shape: the shape of the result.
  /// - Returns: a tensor of `shape`, filled in row-major order.
  public mutating func rand(_ shape: [Int]) -> Tensor {
    let count = Tensor.elementCount(shape)
    var scalars = [Float](repeating: 0, count: count)
    scalars.withUnsafeMutableBufferPointer { fillUniformFloats($0) }
    return Tensor(shape: shape, scalars: scalars)
  }

  /// Samples the standard normal distribution, as `torch.randn(shape)`
  /// (float32).
  ///
  /// - Parameter shape: the shape of the result.
  /// - Returns: a tensor of `shape`, filled in row-major order.
  public mutating func randn(_ shape: [Int]) -> Tensor {
    let count = Tensor.elementCount(shape)
    var scalars = [Float](repeating: 0, count: count)
    scalars.withUnsafeMutableBufferPointer { fillStandardNormal($0) }
    return Tensor(shape: shape, scalars: scalars)
  }
}
