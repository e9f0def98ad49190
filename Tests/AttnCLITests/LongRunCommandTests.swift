import AttentionTestSupport
import Foundation
import TensorIO
import Testing

/// `attn model --rows --cols`: a long run's crop drawn and written from the
/// attention records, against the full run's `.npy`.
@Suite struct LongRunCommandTests {
  let folder: URL
  init() throws { folder = try makeScratchFolder() }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test func aCropsWeightsAreTheFullRunsAndItsFigureIsDrawn() throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    let model = try tiny.writeFile(name: "tiny-llama-long-cli")
    let text = Array(repeating: "the cat sat at the hat", count: 20).joined(separator: " ")
    let whole = try runAttn(["model", model, text, "--npy", "full.npy"], in: folder)
    #expect(whole.status == 0, "\(whole.stderr)")
    let crop = try runAttn(
      ["model", model, text, "--rows", "40-99", "--cols", "3-70", "--npy", "crop.npy", "--out", "crop.png"],
      in: folder)
    #expect(crop.status == 0, "\(crop.stderr)")
    let full = try TensorFile.read(contentsOf: path("full.npy"))
    let block = try TensorFile.read(contentsOf: path("crop.npy"))
    let (layers, heads, count) = (full.shape[0], full.shape[1], full.shape[2])
    #expect(block.shape == [layers, heads, 60, 68])
    var worst = 0
    for map in 0..<(layers * heads) {
      for (i, row) in (40..<100).enumerated() {
        for (j, column) in (3..<71).enumerated() {
          let a = block.scalars[(map * 60 + i) * 68 + j]
          let b = full.scalars[(map * count + row) * count + column]
          worst = max(worst, a == b ? 0 : abs(Int(a.bitPattern) - Int(b.bitPattern)))
        }
      }
    }
    #expect(worst <= 1, "the crop is \(worst) ulps from the full run")
    let png = try Data(contentsOf: URL(fileURLWithPath: path("crop.png")))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

    for (arguments, words) in [
      (["--rows", "40-400"], "--rows \"40-400\": the text has tokens 0-"),
      (["--cols", "b"], "--cols \"b\": give positions from 0"),
      (["--rows", "1-3", "--lens", "rollout"], "raw attention only"),
    ] {
      let refused = try runAttn(["model", model, text, "--out", "x.png"] + arguments, in: folder)
      #expect(refused.status == 1, "\(arguments)")
      #expect(refused.stderr.hasPrefix("error: ") && refused.stderr.contains(words), "\(refused.stderr)")
      #expect(!FileManager.default.fileExists(atPath: path("x.png")))
    }
  }

  /// `attn generate --long`: the same text as without, the written tokens'
  /// rows as the full run writes them (to float rounding: the flash kernel
  /// reads each written token here, the decode kernel there).
  @Test func generateLongWritesTheSameTextAndRows() throws {
    var tiny = TinyLlama()
    tiny.contextLength = 300
    tiny.hasEndOfSequence = false
    let model = try tiny.writeFile(name: "tiny-llama-generate-long")
    let prompt = Array(repeating: "the cat sat at the hat", count: 10).joined(separator: " ")
    let whole = try runAttn(["generate", model, prompt, "--max-tokens", "5", "--npy", "full.npy"], in: folder)
    #expect(whole.status == 0, "\(whole.stderr)")
    let long = try runAttn(
      ["generate", model, prompt, "--max-tokens", "5", "--long", "--npy", "long.npy", "--out", "long.png"], in: folder)
    #expect(long.status == 0, "\(long.stderr)")
    #expect(long.stdout == whole.stdout)
    let full = try TensorFile.read(contentsOf: path("full.npy"))
    let recorded = try TensorFile.read(contentsOf: path("long.npy"))
    #expect(recorded.shape == full.shape)
    let worst = zip(recorded.scalars, full.scalars).map { abs($0 - $1) }.max() ?? 1
    #expect(worst < 1e-5, "the long run's weights are \(worst) from the full run's")
    let page = try runAttn(
      ["generate", model, prompt, "--max-tokens", "5", "--long", "--layers", "2", "--heads", "3", "--out", "long.html"],
      in: folder)
    #expect(page.status == 0, "\(page.stderr)")
    let html = try String(contentsOfFile: path("long.html"), encoding: .utf8)
    #expect(html.contains("id=\"long-data\"") && html.contains("head 2.3"))
    let refused = try runAttn(["generate", model, prompt, "--long", "--lens", "rollout", "--out", "r.png"], in: folder)
    #expect(refused.status == 1 && refused.stderr.contains("raw attention only"))
  }
}
