import CAttentionKernels

/// The SIMD instruction set the C kernels (softmax, exp, attention, dense) run with.
///
/// The widest one the CPU has is detected once at first use; the `AK_ISA`
/// environment variable (`portable`, `avx2`, `avx512`) can lower it, to
/// compare the paths on one machine.
public enum KernelInstructionSet: String, Sendable, CaseIterable, Comparable {
  /// Plain C loops, vectorised by the compiler for the build's baseline
  /// target (SSE2 on x86-64, NEON on arm64).
  case portable
  /// AVX2 with fused multiply-add, 8 floats a register.
  case avx2
  /// AVX-512F, 16 floats a register.
  case avx512

  /// The instruction set the kernels use: the CPU's widest, or lower if
  /// `AK_ISA` asks for it.
  public static var detected: KernelInstructionSet {
    KernelInstructionSet(ak_detected_isa())
  }

  /// Every set the kernels may use here, narrowest first: `detected` and
  /// those below it.
  package static var available: [KernelInstructionSet] { allCases.filter { $0 <= detected } }

  /// Whether this CPU can run the instruction set, whatever `AK_ISA` says.
  public var runsHere: Bool { ak_isa_runs_here(cValue) != 0 }

  public static func < (lhs: KernelInstructionSet, rhs: KernelInstructionSet) -> Bool {
    lhs.cValue.rawValue < rhs.cValue.rawValue
  }

  init(_ isa: ak_isa) {
    switch isa {
    case AK_ISA_AVX512F: self = .avx512
    case AK_ISA_AVX2_FMA: self = .avx2
    default: self = .portable
    }
  }

  /// The C kernels' name for the set.
  package var cValue: ak_isa {
    switch self {
    case .portable: AK_ISA_PORTABLE
    case .avx2: AK_ISA_AVX2_FMA
    case .avx512: AK_ISA_AVX512F
    }
  }
}
