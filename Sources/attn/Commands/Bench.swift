import ArgumentParser
import AttentionCore
import Dispatch
import Foundation
import TensorIO

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time the kernels on seeded random inputs.",
    discussion: """
      Each benchmark runs --warmup untimed calls, then --runs timed ones, and \
      prints one line per timed run; the last line is one JSON object with \
      median_ms, min_ms, the work rate, the shape, runs, isa and threads. \
      AK_ISA=portable|avx2|avx512 lowers the instruction set the kernels use.
      """,
    subcommands: [
      SoftmaxBench.self, SDPABench.self, ModelBench.self, DecoderBench.self, QuantBench.self, ExpBench.self,
      CopyBench.self, RolloutBench.self, FlowBench.self,
    ]
  )
}

/// The repetition options every benchmark shares.
struct BenchRuns: ParsableArguments {
  @Option(help: "Timed runs.")
  var runs = 10

  @Option(help: "Untimed runs before the timed ones.")
  var warmup = 2

  func validate() throws {
    guard runs >= 1 else { throw ValidationError("--runs \(runs): at least 1 timed run is needed") }
    guard warmup >= 0 else { throw ValidationError("--warmup \(warmup): must be 0 or more") }
  }

  /// Calls `body` `warmup` times, then times it `runs` times, printing a
  /// line per timed run that `describe` completes from the milliseconds.
  func time(_ label: String, describe: (Double) -> String, _ body: () throws -> Void) rethrows -> Timings {
    for _ in 0..<warmup { try body() }
    var milliseconds: [Double] = []
    let clock = ContinuousClock()
    for run in 1...runs {
      let elapsed = try clock.measure(body)
      let ms = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
      milliseconds.append(ms)
      print("\(label) run \(run)/\(runs): \(format(ms, 3)) ms, \(describe(ms))")
    }
    return Timings(milliseconds: milliseconds)
  }
}

/// The timed runs of one benchmark.
struct Timings {
  let milliseconds: [Double]

  var median: Double {
    let sorted = milliseconds.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  var minimum: Double { milliseconds.min()! }
}

// MARK: - softmax

struct SoftmaxBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "softmax",
    abstract: "Time softmax over the last axis of a seeded standard-normal tensor.",
    discussion: """
      gelem_s counts elements per second; gflops counts 4 operations per element \
      (subtract the maximum, exponentiate, add to the sum, scale), a convention: the \
      exponential alone is about 15 vector instructions. gbytes_s counts one read and \
      one write of every element, the least any softmax moves.
      """
  )

  @Option(help: "The shape, axes joined by x: ROWSxCOLUMNS (e.g. 4096x4096) or more axes.")
  var shape = "4096x4096"

  @Option(help: "Threads that share the rows (default: one per core).")
  var threads: Int?

  @Flag(help: "Write every run into one preallocated tensor instead of a fresh one.")
  var into = false

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let dimensions = try parseShape(shape, separator: "x", axes: nil, example: "4096x4096")
    let threadCount = try benchThreads(threads)
    let elements = Tensor.elementCount(dimensions)
    try checkMemory(bytes: (into ? 3 : 2) * elements * MemoryLayout<Float>.stride, for: "--shape \(shape)")
    let logits = Tensor.randn(dimensions, seed: 0)
    var weights = Tensor.zeros(into ? dimensions : [0])
    var checksum: Float = 0
    let rate = { (ms: Double) in "\(format(Double(elements) / ms / 1e6, 3)) Gelem/s" }
    let timings = try runs.time("softmax \(shape)", describe: rate) {
      if into {
        try softmax(logits, into: &weights, threads: threadCount)
        checksum += weights.scalars[0]
      } else {
        checksum += softmax(logits, threads: threadCount).scalars[0]
      }
    }
    guard checksum.isFinite else { throw CommandError("softmax \(shape): the weights are not finite") }
    let seconds = timings.median / 1e3
    printJSON([
      ("bench", .string("softmax")),
      ("shape", .integers(dimensions)),
      ("output", .string(into ? "reused" : "fresh")),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(threadCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gelem_s", .number(Double(elements) / seconds / 1e9)),
      ("gflops", .number(4 * Double(elements) / seconds / 1e9)),
      ("gbytes_s", .number(8 * Double(elements) / seconds / 1e9)),
      ("max_rss_mib", .number(residentMiB().peak)),
    ])
  }
}

// MARK: - sdpa

/// The attention the sdpa benchmark times, and its name in the JSON.
private let benchedAttentionName = "scaledDotProductAttention"
private func benchedAttention(
  _ queries: Tensor, _ keys: Tensor, _ values: Tensor, causal: Bool
) throws -> Tensor {
  try scaledDotProductAttention(queries: queries, keys: keys, values: values, mask: causal ? .causal : .none)
}

struct SDPABench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sdpa",
    abstract: "Time scaled dot-product attention on seeded standard-normal queries, keys and values.",
    discussion: """
      gflops counts the two matrix products, 4·B·H·L²·D operations, halved with \
      --causal (the masked half is work a causal kernel may skip). The JSON also \
      holds the process's peak resident memory and its growth over the inputs. \
      Threads: OPENBLAS_NUM_THREADS for the matrix products, one per core for the \
      softmax.
      """
  )

  @Option(help: "B,H,L,D: batch, heads, sequence length (queries and keys), head width.")
  var shape = "1,8,2048,64"

  @Flag(help: "Query i attends to keys 0...i only.")
  var causal = false

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let dimensions = try parseShape(shape, separator: ",", axes: 4, example: "1,8,2048,64")
    let (batch, heads, length, depth) = (dimensions[0], dimensions[1], dimensions[2], dimensions[3])
    let inputBytes = 4 * batch * heads * length * depth * MemoryLayout<Float>.stride
    let weightBytes = 2 * batch * heads * length * length * MemoryLayout<Float>.stride
    try checkMemory(bytes: inputBytes + weightBytes, for: "--shape \(shape)")
    let queries = Tensor.randn(dimensions, seed: 1)
    let keys = Tensor.randn(dimensions, seed: 2)
    let values = Tensor.randn(dimensions, seed: 3)
    let residentWithInputs = residentMiB().current
    let flops = 4 * Double(batch * heads) * Double(length) * Double(length) * Double(depth) / (causal ? 2 : 1)
    var checksum: Float = 0
    let rate = { (ms: Double) in "\(format(flops / ms / 1e6, 1)) GFLOP/s" }
    let timings = try runs.time("sdpa \(shape)\(causal ? " causal" : "")", describe: rate) {
      checksum += try benchedAttention(queries, keys, values, causal: causal).scalars[0]
    }
    guard checksum.isFinite else { throw CommandError("sdpa \(shape): the output is not finite") }
    let peak = residentMiB().peak
    let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap { Int($0) }
    printJSON([
      ("bench", .string("sdpa")),
      ("implementation", .string(benchedAttentionName)),
      ("shape", .integers(dimensions)),
      ("causal", .bool(causal)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(threads ?? ProcessInfo.processInfo.activeProcessorCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gflops", .number(flops / (timings.median / 1e3) / 1e9)),
      ("rss_inputs_mib", .number(residentWithInputs)),
      ("max_rss_mib", .number(peak)),
      ("rss_growth_mib", .number(peak - residentWithInputs)),
    ])
  }
}

// MARK: - exp

struct ExpBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exp",
    abstract: "Time exp over seeded inputs in [-104, 0] on one thread.",
    discussion: """
      Its error over all 2^32 float inputs is an opt-in test: \
      ATTN_EXP_SWEEP=1 swift test --filter ExpSweepTests.
      """
  )

  @Option(help: "Elements per timed call.")
  var count = 1 << 24

  @OptionGroup var runs: BenchRuns

  func run() throws {
    guard count >= 1 else { throw ValidationError("--count \(count): at least 1 element is needed") }
    try checkMemory(bytes: 2 * count * MemoryLayout<Float>.stride, for: "--count \(count)")
    let x = Tensor.rand([count], seed: 0).map { -104 * $0 }
    var checksum: Float = 0
    let rate = { (ms: Double) in "\(format(Double(self.count) / ms / 1e6, 3)) Gelem/s" }
    let timings = runs.time("exp \(count)", describe: rate) {
      checksum += exp(x).scalars[0]
    }
    guard checksum.isFinite else { throw CommandError("exp: the results are not finite") }
    printJSON([
      ("bench", .string("exp")),
      ("shape", .integers([count])),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(1)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gelem_s", .number(Double(count) / (timings.median / 1e3) / 1e9)),
    ])
  }
}

// MARK: - copy

struct CopyBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "copy",
    abstract: "Time memcpy of a float tensor into another: the memory floor of softmax.",
    discussion: """
      One read and one write of every element, split across threads like the \
      softmax rows; gbytes_s counts both.
      """
  )

  @Option(help: "The shape, axes joined by x, e.g. 4096x4096.")
  var shape = "4096x4096"

  @Option(help: "Threads that share the copy (default: one per core).")
  var threads: Int?

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let dimensions = try parseShape(shape, separator: "x", axes: nil, example: "4096x4096")
    let threadCount = try benchThreads(threads)
    let elements = Tensor.elementCount(dimensions)
    try checkMemory(bytes: 2 * elements * MemoryLayout<Float>.stride, for: "--shape \(shape)")
    let source = [Float](repeating: 1, count: elements)
    var destination = [Float](repeating: 0, count: elements)
    let bytes = elements * MemoryLayout<Float>.stride
    let rate = { (ms: Double) in "\(format(2 * Double(bytes) / ms / 1e6, 2)) GB/s" }
    let timings = runs.time("copy \(shape)", describe: rate) {
      source.withUnsafeBytes { from in
        destination.withUnsafeMutableBytes { to in
          nonisolated(unsafe) let (from, to) = (from, to)
          let share = (bytes / threadCount + 63) & ~63
          DispatchQueue.concurrentPerform(iterations: threadCount) { worker in
            let start = min(worker * share, bytes)
            let end = min(start + share, bytes)
            if start < end { memcpy(to.baseAddress! + start, from.baseAddress! + start, end - start) }
          }
        }
      }
    }
    guard destination[elements - 1] == 1 else { throw CommandError("copy \(shape): the copy is incomplete") }
    printJSON([
      ("bench", .string("copy")),
      ("shape", .integers(dimensions)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(threadCount)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("gbytes_s", .number(2 * Double(bytes) / (timings.median / 1e3) / 1e9)),
    ])
  }
}

// MARK: - shared

/// `--shape`: positive whole numbers joined by `separator`, `axes` of them
/// if given.
func parseShape(_ text: String, separator: Character, axes: Int?, example: String) throws -> [Int] {
  let parts = text.split(separator: separator, omittingEmptySubsequences: false)
  let dimensions = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
  let expected =
    axes.map { "\($0) positive whole numbers joined by \"\(separator)\"" }
    ?? "positive whole numbers joined by \"\(separator)\""
  guard dimensions.count == parts.count, dimensions.allSatisfy({ $0 > 0 }),
    axes.map({ $0 == parts.count }) ?? true
  else {
    throw ValidationError("--shape \"\(text)\": expected \(expected), e.g. \(example)")
  }
  var product = 1
  for dimension in dimensions {
    let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
    guard !overflow, next <= 1 << 40 else {
      throw ValidationError("--shape \"\(text)\" has too many elements")
    }
    product = next
  }
  return dimensions
}

/// `--threads`, or one per core.
func benchThreads(_ threads: Int?) throws -> Int {
  guard let threads else { return ProcessInfo.processInfo.activeProcessorCount }
  guard threads >= 1 else { throw ValidationError("--threads \(threads): must be at least 1") }
  return threads
}

/// Refuses a benchmark that would not fit in this machine's memory, rather
/// than let the allocation kill the process.
func checkMemory(bytes: Int, for argument: String) throws {
  let available = ProcessInfo.processInfo.physicalMemory
  guard UInt64(bytes) < available else {
    throw ValidationError(
      "\(argument) needs \(format(Double(bytes) / 1_073_741_824, 1)) GiB, "
        + "this machine has \(format(Double(available) / 1_073_741_824, 1)) GiB")
  }
}

/// This process's resident memory now and at its peak so far, in MiB.
///
/// On Linux from `/proc/self/status` (VmRSS, VmHWM): `getrusage`'s
/// `ru_maxrss` would do, but it keeps the peak of the process image before
/// `exec`, so a benchmark started from a large parent (a Python script
/// holding PyTorch) would report the parent's memory.
func residentMiB() -> (current: Double, peak: Double) {
  #if os(Linux)
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func kibibytes(_ field: String) -> Double {
      let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
      let fields = line.split { $0 == " " || $0 == "\t" }
      return fields.count > 1 ? Double(fields[1]) ?? .nan : .nan
    }
    return (kibibytes("VmRSS") / 1024, kibibytes("VmHWM") / 1024)
  #else
    var usage = rusage()
    getrusage(RUSAGE_SELF, &usage)
    let peak = Double(usage.ru_maxrss) / 1_048_576  // bytes on Darwin
    return (peak, peak)
  #endif
}

func format(_ value: Double, _ decimals: Int) -> String {
  String(format: "%.\(decimals)f", value)
}

/// Prints `fields` as one JSON object on one line, in the given order.
func printJSON(_ fields: [(String, JSONValue)]) {
  print(jsonObjectLine(fields.map { (name: $0.0, value: $0.1) }))
}
