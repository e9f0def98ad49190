import Foundation
import Testing

/// `attn bench`: a run ends in one JSON line; bad arguments are usage errors.
/// No timing is asserted: the tests run on loaded machines.
@Suite struct BenchCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  /// The last line of standard output, parsed as a JSON object.
  private func summary(of run: AttnRun, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String:
    Any]
  {
    let lastLine = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
    let object = try JSONSerialization.jsonObject(with: Data(lastLine.utf8))
    return try #require(object as? [String: Any], "last line: \(lastLine)", sourceLocation: sourceLocation)
  }

  @Test func softmaxEndsWithAJSONSummary() throws {
    let run = try runAttn(
      ["bench", "softmax", "--shape", "17x33", "--runs", "2", "--warmup", "1"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let json = try summary(of: run)
    let median = try #require(json["median_ms"] as? Double)
    #expect(median > 0)
    #expect((json["min_ms"] as? Double).map { $0 > 0 && $0 <= median } == true)
    #expect(json["shape"] as? [Int] == [17, 33])
    #expect(json["runs"] as? Int == 2)
    #expect(["portable", "avx2", "avx512"].contains(json["isa"] as? String ?? ""))
    #expect((json["threads"] as? Int ?? 0) >= 1)
    #expect((json["gelem_s"] as? Double ?? 0) > 0)
    // One line per timed run before the summary.
    #expect(run.stdout.split(separator: "\n").count == 3)
  }

  @Test func softmaxIntoAReusedOutputOnOneThread() throws {
    let run = try runAttn(
      ["bench", "softmax", "--shape", "3x5x7", "--runs", "1", "--warmup", "0", "--into", "--threads", "1"],
      in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let json = try summary(of: run)
    #expect(json["output"] as? String == "reused")
    #expect(json["threads"] as? Int == 1)
    #expect((json["median_ms"] as? Double ?? 0) > 0)
  }

  @Test func sdpaEndsWithAJSONSummary() throws {
    let run = try runAttn(
      ["bench", "sdpa", "--shape", "1,2,19,8", "--causal", "--runs", "2", "--warmup", "0"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let json = try summary(of: run)
    #expect((json["median_ms"] as? Double ?? 0) > 0)
    #expect(json["shape"] as? [Int] == [1, 2, 19, 8])
    #expect(json["causal"] as? Bool == true)
    #expect((json["max_rss_mib"] as? Double ?? 0) > 0)
  }

  @Test func badShapesAreOneLineUsageErrors() throws {
    for arguments in [
      ["bench", "softmax", "--shape", "4096y4096"],
      ["bench", "softmax", "--shape", "0x5"],
      ["bench", "softmax", "--shape", "x"],
      ["bench", "sdpa", "--shape", "1,8,2048"],
      ["bench", "sdpa", "--shape", "1,8,-2,64"],
    ] {
      let run = try runAttn(arguments, in: folder)
      expectOneLineError(run, naming: arguments[3], mentioning: "--shape", status: 64)
      #expect(run.stdout.isEmpty, "\(arguments): \(run.stdout)")
    }
  }

  @Test func badRunCountsAndThreadsAreUsageErrors() throws {
    let runs = try runAttn(["bench", "softmax", "--shape", "4x4", "--runs", "0"], in: folder)
    expectOneLineError(runs, naming: "--runs", status: 64)
    let threads = try runAttn(["bench", "softmax", "--shape", "4x4", "--threads", "0"], in: folder)
    expectOneLineError(threads, naming: "--threads", status: 64)
  }
}
