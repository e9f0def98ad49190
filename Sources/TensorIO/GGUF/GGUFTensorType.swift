// swift-format-ignore: AlwaysUseLowerCamelCase
/// The element type of a GGUF tensor, numbered as ggml numbers them (and
/// GGUF stores them); the block layouts are in CAttentionKernels'
/// `quant_blocks.h`.
///
/// A row of a tensor is a run of whole blocks: `blockElements` values in
/// `blockBytes` bytes (one value per block for the plain float types).
///
/// The cases keep ggml's spelling (`q4_K`), which is how the format's users search for them.
public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
  case f32 = 0
  case f16 = 1
  case q4_0 = 2
  case q4_1 = 3
  case q5_0 = 6
  case q5_1 = 7
  case q8_0 = 8
  case q8_1 = 9
  case q2_K = 10
  case q3_K = 11
  case q4_K = 12
  case q5_K = 13
  case q6_K = 14
  case q8_K = 15
  case bf16 = 30

  /// The name as ggml spells it: `"F32"`, `"Q4_1"`, `"Q6_K"`, `"BF16"`.
  public var name: String {
    switch self {
    case .f32: "F32"
    case .f16: "F16"
    case .q4_0: "Q4_0"
    case .q4_1: "Q4_1"
    case .q5_0: "Q5_0"
    case .q5_1: "Q5_1"
    case .q8_0: "Q8_0"
    case .q8_1: "Q8_1"
    case .q2_K: "Q2_K"
    case .q3_K: "Q3_K"
    case .q4_K: "Q4_K"
    case .q5_K: "Q5_K"
    case .q6_K: "Q6_K"
    case .q8_K: "Q8_K"
    case .bf16: "BF16"
    }
  }

  /// Values per block: 1 for F32, F16 and BF16, 32 for Q4_0 … Q8_1, 256 for the k-quants.
  public var blockElements: Int {
    switch self {
    case .f32, .f16, .bf16: 1
    case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: 32
    case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: 256
    }
  }

  /// Bytes per block (the sizes `quant_blocks.h` asserts).
  public var blockBytes: Int {
    switch self {
    case .f32: 4
    case .f16, .bf16: 2
    case .q4_0: 18
    case .q4_1: 20
    case .q5_0: 22
    case .q5_1: 24
    case .q8_0: 34
    case .q8_1: 36
    case .q2_K: 84
    case .q3_K: 110
    case .q4_K: 144
    case .q5_K: 176
    case .q6_K: 210
    case .q8_K: 292
    }
  }
}
