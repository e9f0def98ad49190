import AttentionCore
import Foundation
import TensorIO
import Testing

/// The default model folder: `$ATTN_MODEL_DIR`, or where `scripts/fetch-model` puts it.
private let modelFolder: String? = {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  let folder = environment["ATTN_MODEL_DIR"] ?? cache + "/attentionkit/all-MiniLM-L6-v2"
  return FileManager.default.fileExists(atPath: folder + "/model.safetensors") ? folder : nil
}()

@Suite struct ModelCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func attentionsOfEveryLayerAndHead() throws {
    let model = try #require(modelFolder)
    let run = try runAttn(
      ["model", model, "The cat sat on the mat.", "--npy", "a.npy", "--out", "a.png"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let tokens = try runAttn(["tokenize", model, "The cat sat on the mat."], in: folder)
    let json = try JSONSerialization.jsonObject(with: Data(tokens.stdout.utf8)) as? [String: Any]
    let count = try #require(json?["tokens"] as? [String]).count
    let attentions = try TensorFile.read(contentsOf: path("a.npy"))
    #expect(attentions.shape == [6, 12, count, count])
    // Every row of every head is a distribution over the keys.
    for row in 0..<(6 * 12 * count) {
      let sum = attentions.scalars[(row * count)..<((row + 1) * count)].reduce(0, +)
      #expect(abs(sum - 1) < 1e-5, "row \(row) sums to \(sum)")
    }
    let png = try Data(contentsOf: folder.appendingPathComponent("a.png"))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

    // The same run, chosen layers and heads: the matching slices.
    let chosen = try runAttn(
      ["model", model, "The cat sat on the mat.", "--layers", "6,1", "--heads", "2-4", "--npy", "b.npy"],
      in: folder)
    #expect(chosen.status == 0, "stderr: \(chosen.stderr)")
    let slices = try TensorFile.read(contentsOf: path("b.npy"))
    #expect(slices.shape == [2, 3, count, count])
    for (row, layer) in [5, 0].enumerated() {
      for (column, head) in [1, 2, 3].enumerated() {
        for i in 0..<count {
          for j in 0..<count {
            #expect(abs(slices[row, column, i, j] - attentions[layer, head, i, j]) < 1e-6)
          }
        }
      }
    }

    let mean = try runAttn(
      ["model", model, "The cat sat on the mat.", "--layers", "3", "--aggregate", "mean", "--npy", "m.npy"],
      in: folder)
    #expect(mean.status == 0, "stderr: \(mean.stderr)")
    let averaged = try TensorFile.read(contentsOf: path("m.npy"))
    #expect(averaged.shape == [1, 1, count, count])
    for i in 0..<count {
      for j in 0..<count {
        let expected = (0..<12).map { Double(attentions[2, $0, i, j]) }.reduce(0, +) / 12
        #expect(abs(Double(averaged[0, 0, i, j]) - expected) < 1e-6)
      }
    }
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func oneFigurePerLineOfAnInputFile() throws {
    let model = try #require(modelFolder)
    try Data("First sentence.\n\nA second, longer sentence here.\n".utf8).write(
      to: folder.appendingPathComponent("texts.txt"))
    let run = try runAttn(
      ["model", model, "--input", "texts.txt", "--npy", "att.npy", "--layers", "1"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let first = try TensorFile.read(contentsOf: path("att-1.npy"))
    let second = try TensorFile.read(contentsOf: path("att-2.npy"))
    #expect(first.shape[0...1] == [1, 12] && second.shape[0...1] == [1, 12])
    #expect(second.shape[2] > first.shape[2])
    #expect(!FileManager.default.fileExists(atPath: path("att-3.npy")))
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func badChoicesAndLongTexts() throws {
    let model = try #require(modelFolder)
    let layers = try runAttn(["model", model, "Hello.", "--layers", "7", "--npy", "x.npy"], in: folder)
    expectOneLineError(layers, naming: "--layers", mentioning: "1-6")
    #expect(!FileManager.default.fileExists(atPath: path("x.npy")))
    let empty = try runAttn(["model", model, "", "--npy", "x.npy"], in: folder)
    expectOneLineError(empty, naming: "text", mentioning: "empty")
    let long = String(repeating: "word ", count: 600)
    let refused = try runAttn(["model", model, long, "--no-truncate", "--npy", "x.npy"], in: folder)
    expectOneLineError(refused, naming: "text", mentioning: "512")
    #expect(!FileManager.default.fileExists(atPath: path("x.npy")))
    let truncated = try runAttn(
      ["model", model, long, "--layers", "1", "--heads", "1", "--npy", "x.npy"], in: folder)
    #expect(truncated.status == 0, "stderr: \(truncated.stderr)")
    #expect(truncated.stderr.hasPrefix("warning: ") && truncated.stderr.contains("truncated to 512"))
    #expect(try TensorFile.read(contentsOf: path("x.npy")).shape == [1, 1, 512, 512])
  }

  @Test func aFolderWithoutTheModelFilesIsNamed() throws {
    try FileManager.default.createDirectory(atPath: path("m"), withIntermediateDirectories: true)
    try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n".utf8).write(
      to: folder.appendingPathComponent("m/vocab.txt"))
    let run = try runAttn(["model", "m", "hello", "--npy", "x.npy"], in: folder)
    expectOneLineError(run, naming: "config.json")
    try Data(#"{"model_type": "t5", "hidden_size": 8}"#.utf8).write(
      to: folder.appendingPathComponent("m/config.json"))
    let gpt = try runAttn(["model", "m", "hello", "--npy", "x.npy"], in: folder)
    expectOneLineError(gpt, naming: "config.json", mentioning: "bert")
    #expect(!FileManager.default.fileExists(atPath: path("x.npy")))
  }
}
