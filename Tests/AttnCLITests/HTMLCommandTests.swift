import AttentionCore
import Foundation
import TensorIO
import Testing

/// The default model folder: `$ATTN_MODEL_DIR`, or where `scripts/fetch-model` puts it.
private let htmlModelFolder: String? = {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  let folder = environment["ATTN_MODEL_DIR"] ?? cache + "/attentionkit/all-MiniLM-L6-v2"
  return FileManager.default.fileExists(atPath: folder + "/model.safetensors") ? folder : nil
}()

/// The JSON object an HTML figure embeds.
private func embeddedData(ofPage path: String) throws -> [String: Any] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  let open = #"<script type="application/json" id="figure-data">"#
  let start = try #require(text.range(of: open))
  let end = try #require(text.range(of: "</script>", range: start.upperBound..<text.endIndex))
  let json = Data(text[start.upperBound..<end.lowerBound].utf8)
  return try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
}

@Suite struct HTMLCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test func demoWritesHTMLFigures() throws {
    let run = try runAttn(["demo", "--out", "figs", "--format", "html"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    for name in ["eye", "softmax", "cues"] {
      let text = try String(contentsOfFile: path("figs/\(name).html"), encoding: .utf8)
      #expect(text.hasPrefix("<!DOCTYPE html>"))
      #expect(run.stdout.contains("figs/\(name).html"))
      #expect(FileManager.default.fileExists(atPath: path("figs/\(name).npy")))
    }
    // The page carries the matrix the .npy beside it holds.
    let eye = try TensorFile.read(contentsOf: path("figs/eye.npy"))
    let data = try embeddedData(ofPage: path("figs/eye.html"))
    #expect(data["grid"] as? [Int] == [1, 1, 10, 10])
    let values = try #require(data["values"] as? [Double])
    #expect(values == eye.scalars.map(Double.init))
    let cues = try embeddedData(ofPage: path("figs/cues.html"))
    let panels = try #require(cues["panels"] as? [[String: Any]])
    #expect((panels[0]["ann"] as? [Any])?.count == 15, "the cues figure writes its 3 × 5 values in the cells")
  }

  @Test func heatmapWritesHTMLWithEscapedLabels() throws {
    let matrix = randomMatrix(rows: 3, columns: 4, seed: 17)
    try TensorFile.write(matrix, to: path("m.npy"))
    let hostile = "</script><script>alert(1)</script>"
    let run = try runAttn(
      [
        "heatmap", "m.npy", "--out", "m.HTML", "--xticklabels", "\(hostile),\"q\",a & b,注意",
        "--yticklabels", "x,y,z", "--xlabel", "Keys <k>",
      ], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let text = try String(contentsOfFile: path("m.HTML"), encoding: .utf8)
    #expect(text.components(separatedBy: "</script>").count - 1 == 2)
    #expect(!text.contains("<script>alert(1)"))
    let data = try embeddedData(ofPage: path("m.HTML"))
    #expect(data["xTickLabels"] as? [String] == [hostile, "\"q\"", "a & b", "注意"])
    let values = try #require(data["values"] as? [Double])
    #expect(values.count == 12)
    for (parsed, original) in zip(values, matrix.scalars) {
      #expect(abs(parsed - Double(original)) <= 5.01e-5 * Double(abs(original)))
    }
  }

  @Test(.enabled(if: htmlModelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func modelWritesTokensAndChosenPanels() throws {
    let model = try #require(htmlModelFolder)
    let text = "The cat sat on the mat."
    let run = try runAttn(
      ["model", model, text, "--out", "a.html", "--npy", "a.npy", "--layers", "1,6", "--heads", "1-4"],
      in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let tokens = try runAttn(["tokenize", model, text], in: folder)
    let json = try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [String: Any]
    let names = try #require(json?["tokens"] as? [String])
    let data = try embeddedData(ofPage: path("a.html"))
    #expect(data["grid"] as? [Int] == [2, 4, names.count, names.count])
    #expect(data["xTickLabels"] as? [String] == names)
    #expect(data["yTickLabels"] as? [String] == names)
    #expect(data["rowTitles"] as? [String] == ["Layer 1", "Layer 6"])
    #expect(data["titles"] as? [String] == ["Head 1", "Head 2", "Head 3", "Head 4"])
    let attentions = try TensorFile.read(contentsOf: path("a.npy"))
    let values = try #require(data["values"] as? [Double])
    #expect(values.count == attentions.scalars.count)
    for (parsed, original) in zip(values, attentions.scalars) {
      #expect(abs(parsed - Double(original)) <= 5.01e-5 * Double(abs(original)))
    }
  }

  @Test func demoRefusesAnUnknownFormat() throws {
    let run = try runAttn(["demo", "--out", "figs", "--format", "htm"], in: folder)
    #expect(run.status == 64)
    #expect(!FileManager.default.fileExists(atPath: path("figs/eye.htm")))
  }
}

private func randomMatrix(rows: Int, columns: Int, seed: UInt64) -> Tensor {
  var state = seed
  let scalars = (0..<(rows * columns)).map { _ -> Float in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Float(state >> 40) / Float(1 << 24)
  }
  return Tensor(shape: [rows, columns], scalars: scalars)
}
