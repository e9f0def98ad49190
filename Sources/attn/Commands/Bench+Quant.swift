import ArgumentParser
import AttentionCore
import Foundation

struct QuantBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quant",
    abstract: "Time a product with a weight matrix kept in ggml's quantized blocks.",
    discussion: """
      The weights are seeded random blocks whose every f16 field is finite and \
      normal; the input is [--rows, I] seeded standard-normal floats. gflops \
      counts 2·N·O·I operations. integer_product in the JSON says whether the \
      type ran on integer block products or on dequantized rows in float.
      """
  )

  @Option(help: "The block type, as ggml names it: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K…Q6_K.")
  var type = "Q4_K"

  @Option(help: "The weight matrix, OUTPUTSxINPUTS (inputs whole blocks), e.g. 1536x576.")
  var shape = "1536x576"

  @Option(help: "Rows of the input: 1 for a generated token, more for a prompt.")
  var rows = 1

  @Option(help: "Threads that share the product (default: one per core).")
  var threads: Int?

  @Flag(help: "Interleave the rows by 8, as a decoder loads Q8_0 and Q4_1 matrices.")
  var interleaved = false

  @OptionGroup var runs: BenchRuns

  func run() throws {
    // The weight formats: Q8_1 and Q8_K are ggml's activation formats.
    let names = QuantizedMatrix.BlockType.allCases.filter {
      $0.blockElements > 1 && $0 != .q8_1 && $0 != .q8_K
    }
    guard let blockType = names.first(where: { $0.description == type }) else {
      throw ValidationError(
        "--type \(type): expected one of \(names.map(\.description).joined(separator: ", "))")
    }
    guard rows >= 1 else { throw ValidationError("--rows \(rows): at least 1 row is needed") }
    let dimensions = try parseShape(shape, separator: "x", axes: 2, example: "1536x576")
    let (outputs, inputs) = (dimensions[0], dimensions[1])
    guard inputs % blockType.blockElements == 0 else {
      throw ValidationError(
        "--shape \(shape): \(inputs) inputs are not whole blocks of \(blockType.blockElements) (\(blockType))"
      )
    }
    let threadCount = try benchThreads(threads)
    let weightBytes = outputs * (inputs / blockType.blockElements) * blockType.blockBytes
    // The blocks, drawn as floats first, and the input, output and scratch rows.
    let floats = weightBytes + 2 * rows * (inputs + outputs) + 4 * inputs * threadCount
    try checkMemory(bytes: 2 * weightBytes + floats * MemoryLayout<Float>.stride, for: "--shape \(shape)")
    var matrix = try QuantizedMatrix(
      type: blockType, rows: outputs, columns: inputs, bytes: Self.randomBlocks(count: weightBytes, seed: 0))
    if interleaved {
      guard let rows = matrix.interleavedByEight() else {
        throw ValidationError(
          "--interleaved: \(blockType) [\(outputs), \(inputs)] has no interleaved layout (Q8_0 or Q4_1, outputs a multiple of 8, Q4_1 blocks a row even)"
        )
      }
      matrix = rows
    }
    let input = Tensor.randn([rows, inputs], seed: 1)
    var output = [Float](repeating: 0, count: rows * outputs)
    let scratch = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(matrix.scratchByteCount(inputRows: rows, threads: threadCount), 1), alignment: 64)
    defer { scratch.deallocate() }
    let flops = 2 * Double(rows) * Double(outputs) * Double(inputs)
    let rate = { (ms: Double) in "\(format(flops / ms / 1e6, 2)) GFLOP/s" }
    var checksum: Float = 0
    let timings = input.scalars.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { output in
        runs.time("quant \(blockType) \(shape) × \(rows) rows", describe: rate) {
          matrix.multiply(input, rows: rows, into: output, scratch: scratch, threads: threadCount)
          checksum += output[0]
        }
      }
    }
    guard checksum.isFinite else {
      throw CommandError("quant \(blockType) \(shape): the output is not finite")
    }
    printJSON([
      ("bench", .string("quant")),
      ("type", .string(blockType.description)),
      ("integer_product", .bool(blockType.hasIntegerProduct)),
      ("interleaved", .bool(interleaved)),
      ("shape", .integers(dimensions)),
      ("rows", .integer(rows)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(threadCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gflops", .number(flops / (timings.median / 1e3) / 1e9)),
    ])
  }

  /// Seeded random bytes in which any two adjacent bytes read as a finite,
  /// normal f16 (its exponent bits, 2…6 of the high byte, neither all zero
  /// nor all one), wherever a block type keeps its scales.
  static func randomBlocks(count: Int, seed: UInt64) -> [UInt8] {
    Tensor.rand([count], seed: seed).scalars.map { uniform in
      let byte = UInt8(min(255, uniform * 256))
      switch (byte >> 2) & 0x1F {
      case 0: return byte | 0x04
      case 0x1F: return byte & ~0x04
      default: return byte
      }
    }
  }
}
