import Foundation
import TensorIO
import Testing

/// The default decoder: `$ATTN_DECODER`, or where `scripts/fetch-model --decoder` puts it.
let decoderPath: String? = {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  let path = environment["ATTN_DECODER"] ?? cache + "/attentionkit/SmolLM2-135M-Instruct.Q4_1.gguf"
  return FileManager.default.fileExists(atPath: path) ? path : nil
}()

@Suite struct GenerateCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test(.enabled(if: decoderPath != nil, "the decoder is not fetched (scripts/fetch-model --decoder)"))
  func writesGreedilyAndRecordsEveryTokensAttention() throws {
    let model = try #require(decoderPath)
    let prompt = "The capital of France is"
    let run = try runAttn(["generate", model, prompt, "--max-tokens", "6", "--npy", "g.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    // transformers' greedy text for this prompt starts " Paris.\n\nThe".
    #expect(run.stdout.hasPrefix(" Paris."), "\(run.stdout)")
    let tokens = try runAttn(["tokenize", model, prompt], in: folder)
    let json = try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [String: Any]
    let promptCount = try #require(json?["ids"] as? [Int]).count
    let attentions = try TensorFile.read(contentsOf: path("g.npy"))
    let count = promptCount + 6
    #expect(attentions.shape == [30, 9, count, count])
    // Causal: each row a distribution over the tokens up to its own, zero after.
    for map in 0..<(30 * 9) {
      for row in 0..<count {
        let base = (map * count + row) * count
        let seen = attentions.scalars[base...(base + row)].reduce(0, +)
        #expect(abs(seen - 1) < 1e-4, "map \(map) row \(row) sums to \(seen)")
        #expect(attentions.scalars[(base + row + 1)..<(base + count)].allSatisfy { $0 == 0 })
      }
    }
    // The same seed samples the same text.
    let sampled = [
      "generate", model, prompt, "--max-tokens", "8", "--temperature", "0.8", "--top-k", "40", "--top-p",
      "0.9", "--seed", "7",
    ]
    let first = try runAttn(sampled, in: folder)
    let second = try runAttn(sampled, in: folder)
    #expect(first.status == 0 && first.stdout == second.stdout, "\(first.stderr)")
  }

  @Test(.enabled(if: decoderPath != nil, "the decoder is not fetched (scripts/fetch-model --decoder)"))
  func chatPutsThePromptInTheTemplate() throws {
    let model = try #require(decoderPath)
    let run = try runAttn(["generate", model, "Say hi.", "--chat", "--max-tokens", "3"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let lone = try runAttn(["generate", model], in: folder)
    #expect(lone.status != 0 && lone.stderr.contains("give the PROMPT after the model"), "\(lone.stderr)")
  }

  @Test func aTruncatedGGUFIsOneErrorLine() throws {
    var bytes = [UInt8]("GGUF".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
    bytes += [1, 0, 0, 0, 0, 0, 0, 0]  // one metadata pair, then nothing
    try Data(bytes).write(to: URL(fileURLWithPath: path("cut.gguf")))
    let run = try runAttn(["generate", path("cut.gguf"), "Hello"], in: folder)
    #expect(run.status == 1)
    let lines = run.stderr.split(separator: "\n")
    #expect(
      lines.count == 1 && lines[0].hasPrefix("error: ") && lines[0].contains("cut.gguf"), "\(run.stderr)")
  }
}

/// Prompts and runs too long to read or to record are refused in one line,
/// before anything large is allocated.
@Suite(.enabled(if: decoderPath != nil, "the decoder is not fetched (scripts/fetch-model --decoder)"))
struct GenerateLimitTests {
  @Test func aPromptLongerThanTheContextIsRefused() throws {
    let folder = try makeScratchFolder()
    let prompt = Array(repeating: "word", count: 9_000).joined(separator: " ")
    let run = try runAttn(["generate", try #require(decoderPath), prompt, "--max-tokens", "2"], in: folder)
    #expect(run.status == 1)
    #expect(run.stderr.hasPrefix("error: prompt: "), "\(run.stderr)")
    #expect(run.stderr.contains(" tokens, but the model reads at most 8192"), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
  }

  /// 30 × 9 heads over 8,000 tokens would be 69 GB of weights: such a run
  /// keeps attention records, and a file of every weight is refused before it.
  @Test func aFileOfEveryWeightOfALongRunIsRefused() throws {
    let folder = try makeScratchFolder()
    let prompt = Array(repeating: "word", count: 7_990).joined(separator: " ")
    let run = try runAttn(["model", try #require(decoderPath), prompt, "--npy", "a.npy"], in: folder)
    #expect(run.status == 1)
    #expect(run.stderr.hasPrefix("error: a.npy: the weights of "), "\(run.stderr)")
    #expect(run.stderr.contains("at most 1024 MiB are written (narrow --rows and --cols)"), "\(run.stderr)")
    #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("a.npy").path))
  }
}
