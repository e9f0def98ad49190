import Foundation
import Testing
import TransformerModels

/// Times a forward pass of all-MiniLM-L6-v2, with attentions, on 128 tokens.
///
/// A measurement, not a timed test: it runs only when `ATTN_BENCH_MODEL` is
/// set (build with `-c release`), prints one JSON line with the median, and
/// checks only that repeated runs agree. `scripts/reference/bert_fixtures.py
/// bench --swift CMD` runs it beside PyTorch.
@Suite(
  .enabled(if: ProcessInfo.processInfo.environment["ATTN_BENCH_MODEL"] != nil, "set ATTN_BENCH_MODEL to run"),
  .enabled(if: miniLMAvailable, "no all-MiniLM-L6-v2 at \(miniLMFolder)"))
struct BertBenchmarkTests {
  @Test func forward128Tokens() throws {
    let model = try miniLM.get()
    let tokens = Int(ProcessInfo.processInfo.environment["ATTN_BENCH_TOKENS"] ?? "") ?? 128
    var random = BertTestRandom(seed: 128)
    let ids = [101] + (0..<tokens - 2).map { _ in Int.random(in: 1000..<30000, using: &random) } + [102]
    let first = try model.forward(ids: ids)
    var times: [Double] = []
    for _ in 0..<33 {
      let start = DispatchTime.now().uptimeNanoseconds
      let output = try model.forward(ids: ids)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
      #expect(output == first)
    }
    times = Array(times.dropFirst(3)).sorted()
    let median = (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    print(
      #"{"tokens": \#(tokens), "median_ms": \#((median * 1000).rounded() / 1000), "min_ms": \#(times[0])}"#)
  }
}
