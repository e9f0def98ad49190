import ArgumentParser
import AttentionCore
import Foundation
import TensorIO
import TransformerModels

struct ModelBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Time a model's forward pass that records every layer's attention.",
    discussion: """
      The input is the first token of a fixed English text (for BERT, [CLS]), \
      then its inner tokens repeated to fill --tokens, then its last token \
      (for BERT, [SEP]). Loading the model is not timed. With --records the \
      pass keeps each layer's attention records (O(L·d)) instead of the \
      weights (O(L²)), as attn serve's long runs do, and kept_mib says how \
      much; max_rss_mib is the process's peak resident memory.
      """
  )

  @Option(help: "A model folder (default: the fetched all-MiniLM-L6-v2).")
  var model: String?

  @Option(help: "Tokens in the sequence, [CLS] and [SEP] included.")
  var tokens = 128

  @Flag(help: "Keep the attention records, not the weights (a long run).")
  var records = false

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let folder = model ?? defaultModelFolder()
    let loaded = try ModelLoader.load(contentsOf: folder)
    let summary = loaded.summary
    guard tokens >= 3, tokens <= summary.maxTokens else {
      throw ValidationError("--tokens \(tokens): must be 3...\(summary.maxTokens)")
    }
    let text = "Attention is a scarce resource: the brain cannot process everything it senses, so it selects."
    let encoded = try loaded.tokenize(text)  // [CLS] pieces… [SEP]
    let pieces = 1..<(encoded.ids.count - 1)
    let chosen =
      [0] + (0..<(tokens - 2)).map { pieces.lowerBound + $0 % pieces.count } + [encoded.ids.count - 1]
    let encoding = Encoding(
      tokens: chosen.map { encoded.tokens[$0] }, ids: chosen.map { encoded.ids[$0] },
      typeIds: chosen.map { encoded.typeIds[$0] }, truncated: false, untruncatedLength: chosen.count)
    var checksum: Float = 0
    var kept = 0
    let describe = { (_: Double) in "\(summary.layerCount) layers" }
    let timings = try runs.time("model \(tokens) tokens", describe: describe) {
      if records {
        let recording = try loaded.record(encoding)
        kept = recording.byteCount
        checksum += try recording.weights(layer: 0, head: 0, rows: 0..<1, columns: 0..<1).scalars[0]
      } else {
        let attentions = try loaded.attention(for: encoding).attentions
        kept = 4 * attentions.count
        checksum += attentions.scalars[0]
      }
    }
    guard checksum.isFinite else { throw CommandError("\(folder): the attentions are not finite") }
    printJSON([
      ("bench", .string("model")),
      ("model", .string(folder)),
      ("tokens", .integer(tokens)),
      ("architecture", .string(summary.architecture)),
      ("layers", .integer(summary.layerCount)),
      ("heads", .integer(summary.headCount)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(ProcessInfo.processInfo.activeProcessorCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("keeps", .string(records ? "records" : "weights")),
      ("kept_mib", .number(Double(kept) / Double(1 << 20))),
      ("max_rss_mib", .number(residentMiB().peak)),
    ])
  }
}
