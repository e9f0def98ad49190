import CAttentionKernels
import Foundation

/// A weight matrix kept in ggml's quantized blocks, as a GGUF file stores
/// it, and its product with float activations.
///
/// Legend: `N` rows of the input (tokens), `I` inputs (`columns`), `O`
/// outputs (`rows`).
///
/// The matrix is `[O, I]`: `O` rows of `I` elements, each row a run of
/// whole blocks of `type`. The blocks are read in place, never copied:
/// `owner` keeps their memory alive (for a memory-mapped GGUF file, the
/// file object), and nothing may write them while the matrix exists.
///
/// `multiply` runs `ak_quant_matmul`: Q8_0, Q4_1, Q4_K and Q6_K through
/// integer block products on activations quantized to 8 bits per block of
/// 32 (as llama.cpp does), every other type through a float product on
/// weight rows dequantized a few at a time.
public struct QuantizedMatrix: @unchecked Sendable {
  /// A tensor type of GGUF files, by ggml's number.
  public enum BlockType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
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

    /// Elements per block: 1, 32 or 256.
    public var blockElements: Int { ak_qtype_block_elements(Int32(rawValue)) }
    /// Bytes per block.
    public var blockBytes: Int { ak_qtype_block_bytes(Int32(rawValue)) }
    /// Whether products with it run on integer block dot products.
    public var hasIntegerProduct: Bool { ak_quant_has_integer_product(Int32(rawValue)) != 0 }
    /// The alignment its blocks need: that of their widest field.
    var alignment: Int {
      switch self {
      case .f32, .q8_K: 4
      default: 2
      }
    }

    /// ggml's name, e.g. `Q4_1`.
    public var description: String {
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
  }

  /// The block type of every row.
  public let type: BlockType
  /// `O`, the outputs.
  public let rows: Int
  /// `I`, the inputs: a multiple of `type.blockElements`.
  public let columns: Int
  /// The `rows · bytesPerRow` bytes of the blocks.
  public let blocks: UnsafeRawPointer
  /// What keeps `blocks` alive.
  public let owner: AnyObject
  /// Whether the rows are interleaved by 8 (`interleavedByEight()`), not
  /// in ggml's row-major order.
  public private(set) var isInterleaved = false

  /// The type as the kernels name it, the layout included.
  private var kernelType: Int32 {
    Int32(type.rawValue) | (isInterleaved ? Int32(AK_QUANT_INTERLEAVED8) : 0)
  }

  /// Bytes of one row of blocks.
  public var bytesPerRow: Int { columns / type.blockElements * type.blockBytes }

  /// The cores to use. Read once: on Linux the count comes from files.
  private static let cores = ProcessInfo.processInfo.activeProcessorCount
  /// Below this many multiply-adds the product runs on the calling thread.
  private static let minimumParallelWork = 1 << 18

  /// A matrix over blocks that `owner` keeps alive.
  ///
  /// - Parameters:
  ///   - type: the block type.
  ///   - rows: `O`.
  ///   - columns: `I`, a multiple of the type's block elements.
  ///   - blocks: the blocks, aligned as the type's block (2 bytes; 4 for
  ///     F32 and Q8_K).
  ///   - byteCount: the bytes available at `blocks`; must equal
  ///     `rows · bytesPerRow`.
  ///   - owner: keeps the memory alive as long as the matrix.
  /// - Throws: `AttentionError` naming the type and shape if the sizes do
  ///   not fit the blocks.
  public init(
    type: BlockType, rows: Int, columns: Int, blocks: UnsafeRawPointer, byteCount: Int, owner: AnyObject
  ) throws {
    let name = "quantized matrix [\(rows), \(columns)] of \(type)"
    guard rows >= 0, columns >= 0 else {
      throw AttentionError.invalidArgument("\(name): negative size")
    }
    guard columns % type.blockElements == 0 else {
      throw AttentionError.shapeMismatch(
        "\(name): \(columns) columns are not whole blocks of \(type.blockElements)")
    }
    let (expected, overflow) = rows.multipliedReportingOverflow(
      by: columns / type.blockElements * type.blockBytes)
    guard !overflow, expected == byteCount else {
      throw AttentionError.shapeMismatch(
        "\(name): needs \(overflow ? "more than Int.max" : String(expected)) bytes, got \(byteCount)")
    }
    guard Int(bitPattern: blocks) % type.alignment == 0 else {
      throw AttentionError.invalidArgument("\(name): blocks not aligned to \(type.alignment) bytes")
    }
    self.type = type
    self.rows = rows
    self.columns = columns
    self.blocks = blocks
    self.owner = owner
  }

  /// A matrix over a copy of `bytes`, which it owns.
  ///
  /// - Throws: `AttentionError` as the other initializer does.
  public init(type: BlockType, rows: Int, columns: Int, bytes: [UInt8]) throws {
    let storage = AlignedBytes(bytes)
    try self.init(
      type: type, rows: rows, columns: columns, blocks: UnsafeRawPointer(storage.pointer),
      byteCount: bytes.count, owner: storage)
  }

  /// The same matrix with its rows interleaved by 8 (see
  /// `AK_QUANT_INTERLEAVED8`), in memory it owns, or nil when the type or
  /// shape does not allow it (Q8_0 and Q4_1, `O` a multiple of 8, Q4_1's
  /// blocks a row even). A product with one activation row (a written
  /// token) then reduces 8 rows at a time instead of one; the product is
  /// the same integer sums with the float steps in another order.
  public func interleavedByEight() -> QuantizedMatrix? {
    guard !isInterleaved, ak_quant_can_interleave(Int32(type.rawValue), rows, columns) != 0 else { return nil }
    let byteCount = rows * bytesPerRow
    let storage = AlignedBytes(count: byteCount)
    let status = ak_quant_interleave(Int32(type.rawValue), blocks, rows, columns, storage.pointer, 1)
    precondition(status == 0, "ak_quant_interleave refused \(type) [\(rows), \(columns)]")
    var matrix = try! QuantizedMatrix(
      type: type, rows: rows, columns: columns, blocks: UnsafeRawPointer(storage.pointer), byteCount: byteCount,
      owner: storage)
    matrix.isInterleaved = true
    return matrix
  }

  /// The matrix in float32, as ggml dequantizes it.
  ///
  /// - Returns: `[O, I]`.
  public func dequantized() -> Tensor {
    let count = rows * columns
    if isInterleaved {
      let plain = AlignedBytes(count: rows * bytesPerRow)
      _ = ak_quant_interleave(Int32(type.rawValue), blocks, rows, columns, plain.pointer, 0)
      return try! QuantizedMatrix(
        type: type, rows: rows, columns: columns, blocks: UnsafeRawPointer(plain.pointer),
        byteCount: rows * bytesPerRow, owner: plain
      ).dequantized()
    }
    let scalars = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      let status = ak_dequantize(Int32(type.rawValue), blocks, output.baseAddress, count)
      precondition(status == 0, "ak_dequantize refused \(type)")
      initialized = count
    }
    return Tensor(shape: [rows, columns], scalars: scalars)
  }

  /// `x Wᵀ`.
  ///
  /// - Parameter input: `[N, I]`.
  /// - Returns: `[N, O]`.
  /// - Throws: `AttentionError` naming both shapes if `input` is not `[N, I]`.
  public func multiply(_ input: Tensor) throws -> Tensor {
    guard input.rank == 2, input.shape[1] == columns else {
      throw AttentionError.shapeMismatch(
        "quantized matrix [\(rows), \(columns)] of \(type) times input \(input.shape): needs [N, \(columns)]")
    }
    let count = input.shape[0] * rows
    let scalars = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      input.scalars.withUnsafeBufferPointer { input in
        multiply(input, rows: input.count / max(columns, 1), into: output)
      }
      initialized = count
    }
    return Tensor(shape: [input.shape[0], rows], scalars: scalars)
  }

  /// Bytes of scratch for a product with `inputRows` rows on at most
  /// `threads` threads (see `multiply(_:rows:into:scratch:instructionSet:threads:)`).
  /// `threads` `nil` stands for every core.
  public func scratchByteCount(inputRows: Int, threads: Int? = nil) -> Int {
    ak_quant_scratch_bytes(
      kernelType, rows, columns, inputRows, Int32(clamping: threads ?? Self.cores))
  }

  /// `x Wᵀ` into a caller's buffer, for hot loops.
  ///
  /// - Parameters:
  ///   - input: `[N, I]`.
  ///   - rows: `N`.
  ///   - output: `[N, O]`; written, never read.
  ///   - scratch: at least `scratchByteCount(inputRows: N, threads:)`
  ///     bytes, 64-byte aligned, or `nil` to allocate for this call.
  ///   - instructionSet: the kernel's instruction set; the CPU must have it.
  ///   - threads: threads, the calling one included; `nil` picks by size.
  public func multiply(
    _ input: UnsafeBufferPointer<Float>, rows inputRows: Int, into output: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableRawBufferPointer? = nil, instructionSet: KernelInstructionSet = .detected,
    threads: Int? = nil
  ) {
    precondition(
      input.count == inputRows * columns, "input of \(input.count) floats for [\(inputRows), \(columns)]")
    precondition(
      output.count == inputRows * rows, "output of \(output.count) floats for [\(inputRows), \(rows)]")
    precondition(instructionSet.runsHere, "this CPU cannot run \(instructionSet)")
    let work = inputRows * columns * rows
    let threadCount = max(1, threads ?? (work >= Self.minimumParallelWork ? Self.cores : 1))
    if let scratch {
      precondition(
        scratch.count >= scratchByteCount(inputRows: inputRows, threads: threadCount)
          && Int(bitPattern: scratch.baseAddress) % 64 == 0,
        "scratch of \(scratch.count) bytes is too small or not 64-byte aligned")
    }
    let status = ak_quant_matmul(
      kernelType, blocks, rows, columns, input.baseAddress, inputRows, output.baseAddress,
      scratch?.baseAddress, instructionSet.cValue, Int32(clamping: threadCount))
    precondition(status == 0, "ak_quant_matmul failed (\(status)) for \(type) [\(rows), \(columns)]")
  }

  /// `x Wᵢᵀ` for up to four matrices of one type and width against the same
  /// input, as one call: the input is quantized once and the products share
  /// the threads (for example a layer's query, key and value projections).
  ///
  /// - Parameters:
  ///   - matrices: 1 to 4 matrices of the same `type` and `columns` `I`.
  ///   - input: `[N, I]`.
  ///   - rows: `N`.
  ///   - outputs: for each matrix, `[N, Oᵢ]`; written, never read.
  ///   - instructionSet: the kernel's instruction set; the CPU must have it.
  public static func multiply(
    _ matrices: [QuantizedMatrix], _ input: UnsafeBufferPointer<Float>, rows inputRows: Int,
    into outputs: [UnsafeMutablePointer<Float>], instructionSet: KernelInstructionSet = .detected
  ) {
    precondition(
      (1...Int(AK_QUANT_MAX_PARTS)).contains(matrices.count) && outputs.count == matrices.count,
      "\(matrices.count) matrices and \(outputs.count) outputs")
    let first = matrices[0]
    precondition(
      matrices.allSatisfy {
        $0.type == first.type && $0.columns == first.columns && $0.isInterleaved == first.isInterleaved
      }, "matrices of different types, layouts or widths")
    precondition(
      input.count == inputRows * first.columns, "input of \(input.count) floats for [\(inputRows), \(first.columns)]")
    precondition(instructionSet.runsHere, "this CPU cannot run \(instructionSet)")
    let work = inputRows * first.columns * matrices.reduce(0) { $0 + $1.rows }
    let threadCount = work >= minimumParallelWork ? cores : 1
    let parts = zip(matrices, outputs).map { ak_quant_part(weights: $0.blocks, outputs: $0.rows, output: $1) }
    let status = ak_quant_matmul_parts(
      first.kernelType, parts, Int32(parts.count), first.columns, input.baseAddress, inputRows, nil,
      instructionSet.cValue, Int32(clamping: threadCount))
    precondition(status == 0, "ak_quant_matmul_parts failed (\(status)) for \(first.type) [·, \(first.columns)]")
  }
}

/// Bytes copied into memory aligned for every block type, freed with the object.
private final class AlignedBytes {
  let pointer: UnsafeMutableRawPointer

  /// `count` bytes, uninitialized.
  init(count: Int) {
    pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
  }

  init(_ bytes: [UInt8]) {
    pointer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
  }

  deinit { pointer.deallocate() }
}
