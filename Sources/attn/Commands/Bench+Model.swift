import ArgumentParser
import AttentionCore
import Foundation
import TransformerModels

struct ModelBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract: "Time a BERT forward pass that records every layer's attention.",
    discussion: """
      The input is [CLS], then the word pieces of a fixed English text repeated \
      to fill --tokens, then [SEP]. Loading the model is not timed.
      """
  )

  @Option(help: "A Hugging Face BERT folder (default: the fetched all-MiniLM-L6-v2).")
  var model: String?

  @Option(help: "Tokens in the sequence, [CLS] and [SEP] included.")
  var tokens = 128

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let folder = model ?? defaultModelFolder()
    let tokenizer = try WordPieceTokenizer(folder: folder)
    let bert = try BertModel.load(folder: folder)
    guard tokens >= 3, tokens <= bert.config.maxPositions else {
      throw ValidationError("--tokens \(tokens): must be 3...\(bert.config.maxPositions)")
    }
    let text = "Attention is a scarce resource: the brain cannot process everything it senses, so it selects."
    let encoded = try tokenizer.encode(text).ids  // [CLS] pieces… [SEP]
    let pieces = Array(encoded.dropFirst().dropLast())
    let ids =
      [encoded[0]] + (0..<(tokens - 2)).map { pieces[$0 % pieces.count] } + [encoded[encoded.count - 1]]
    var checksum: Float = 0
    let describe = { (_: Double) in "\(bert.config.layerCount) layers" }
    let timings = try runs.time("model \(tokens) tokens", describe: describe) {
      checksum += try bert.forward(ids: ids).attentions.scalars[0]
    }
    guard checksum.isFinite else { throw CommandError("\(folder): the attentions are not finite") }
    printJSON([
      ("bench", .string("model")),
      ("model", .string(folder)),
      ("tokens", .integer(tokens)),
      ("layers", .integer(bert.config.layerCount)),
      ("heads", .integer(bert.config.headCount)),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(ProcessInfo.processInfo.activeProcessorCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("max_rss_mib", .number(residentMiB().peak)),
    ])
  }
}
