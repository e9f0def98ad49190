import ArgumentParser
import AttentionCore
import Foundation
import TensorIO
import TransformerModels

struct DecoderBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "decoder",
    abstract: "Time a decoder reading a prompt and writing after it, with every token's attention recorded.",
    discussion: """
      Each timed run reads --prompt-tokens tokens and then writes --generate \
      more (greedy, never stopping early), recording the attention of every \
      layer and head as it goes. prefill_tokens_s is the prompt's tokens over \
      the time to the first written token's logits; generate_tokens_s is the \
      written tokens over the time after that (each is read once more, as \
      generation does). The prompt is --ids, repeated to fill --prompt-tokens, \
      or a fixed English text's tokens repeated. Loading is not timed.
      """
  )

  @Option(help: "A GGUF file or model folder of a decoder (default: the fetched SmolLM2-135M-Instruct).")
  var model: String?

  @Option(help: "Tokens in the prompt.")
  var promptTokens = 128

  @Option(help: "Tokens to write after the prompt (0: time the prompt alone).")
  var generate = 0

  @Option(help: "Token ids for the prompt, comma-separated, repeated to fill --prompt-tokens.")
  var ids: String?

  @OptionGroup var runs: BenchRuns

  func run() throws {
    let path = model ?? defaultDecoderPath()
    let loaded = try ModelLoader.load(contentsOf: path)
    guard let decoder = loaded as? any GenerativeModel else {
      throw CommandError("\(path): a \(loaded.summary.architecture) model reads text but does not write it")
    }
    let summary = decoder.summary
    guard promptTokens >= 1, generate >= 0, promptTokens + generate <= summary.maxTokens else {
      throw ValidationError(
        "--prompt-tokens \(promptTokens) and --generate \(generate): need 1 or more and at most \(summary.maxTokens) in all"
      )
    }
    let source: [Int]
    if let ids {
      source = try ids.split(separator: ",").map { piece in
        guard let id = Int(piece.trimmingCharacters(in: .whitespaces)) else {
          throw ValidationError("--ids: \"\(piece)\" is not a token id")
        }
        return id
      }
      guard !source.isEmpty else { throw ValidationError("--ids: no ids") }
    } else {
      let text =
        "Attention is a scarce resource: the brain cannot process everything it senses, so it selects."
      source = try decoder.tokenize(text).ids
    }
    let chosen = (0..<promptTokens).map { source[$0 % source.count] }
    let labels = chosen.map { "#\($0)" }
    let prompt = Encoding(
      tokens: labels, ids: chosen, typeIds: Array(repeating: 0, count: promptTokens), truncated: false,
      untruncatedLength: promptTokens)
    let options = GenerationOptions(maxTokens: generate, stopAtEndOfSequence: false)
    var prefillSeconds: [Double] = []
    var writeSeconds: [Double] = []
    var checksum: Float = 0
    let describe = { (ms: Double) in
      guard let prefill = prefillSeconds.last else { return "" }
      var line = "prompt \(format(Double(promptTokens) / prefill, 1)) tokens/s"
      if let writing = writeSeconds.last, self.generate > 0 {
        line += ", writing \(format(Double(self.generate) / writing, 1)) tokens/s"
      }
      return line
    }
    let timings = try runs.time("decoder \(promptTokens)+\(generate) tokens", describe: describe) {
      let start = DispatchTime.now().uptimeNanoseconds
      var firstToken: UInt64?
      let run = try decoder.generate(prompt: prompt, options: options) { _ in
        if firstToken == nil { firstToken = DispatchTime.now().uptimeNanoseconds }
      }
      let end = DispatchTime.now().uptimeNanoseconds
      let split = firstToken ?? end
      prefillSeconds.append(Double(split - start) / 1e9)
      writeSeconds.append(Double(end - split) / 1e9)
      checksum += run.attention.attentions.scalars[0]
    }
    guard checksum.isFinite else { throw CommandError("\(path): the attentions are not finite") }
    let prefill = Timings(milliseconds: prefillSeconds.dropFirst(runs.warmup).map { $0 * 1e3 }).median / 1e3
    var fields: [(String, JSONValue)] = [
      ("bench", .string("decoder")),
      ("model", .string(path)),
      ("architecture", .string(summary.architecture)),
      ("prompt_tokens", .integer(promptTokens)),
      ("generate", .integer(generate)),
      ("attention", .string("recorded")),
      ("runs", .integer(runs.runs)),
      ("warmup", .integer(runs.warmup)),
      ("threads", .integer(ProcessInfo.processInfo.activeProcessorCount)),
      ("isa", .string(KernelInstructionSet.detected.rawValue)),
      ("median_ms", .number(timings.median)),
      ("min_ms", .number(timings.minimum)),
      ("prefill_tokens_s", .number(Double(promptTokens) / prefill)),
    ]
    if generate > 0 {
      let writing = Timings(milliseconds: writeSeconds.dropFirst(runs.warmup).map { $0 * 1e3 }).median / 1e3
      fields.append(("generate_tokens_s", .number(Double(generate) / writing)))
    }
    fields.append(("max_rss_mib", .number(residentMiB().peak)))
    printJSON(fields)
  }
}
