import AttentionCore
import AttentionTestSupport
import Foundation
import TensorIO
import Testing
import TransformerModels

/// `--lens` on `attn model` and `attn generate`, and `attn atlas`, on tiny random models.
@Suite struct LensCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  /// The raw maps, rollout and value norms of one text through the command
  /// line: rollout `[N, L, L]` with rows summing to 1, value norms
  /// `[N, H, L, L]` zero exactly where the weights are.
  @Test func modelWritesEachLens() throws {
    let model = try TinyBert(seed: 0x1E45).writeFolder()
    let text = "the cat sat"
    for (lens, name) in [("attention", "a.npy"), ("rollout", "r.npy"), ("value-norm", "v.npy"), ("flow", "f.npy")] {
      let run = try runAttn(["model", model, text, "--lens", lens, "--npy", name, "--out", name + ".png"], in: folder)
      #expect(run.status == 0, "\(lens): \(run.stderr)")
    }
    let attention = try TensorFile.read(contentsOf: path("a.npy"))
    let rollout = try TensorFile.read(contentsOf: path("r.npy"))
    let norms = try TensorFile.read(contentsOf: path("v.npy"))
    let (layers, heads, length) = (attention.shape[0], attention.shape[1], attention.shape[2])
    #expect(rollout.shape == [layers, length, length])
    #expect(norms.shape == attention.shape)
    for row in 0..<(layers * length) {
      let sum = rollout.scalars[row * length..<(row + 1) * length].reduce(0, +)
      #expect(abs(sum - 1) < 1e-5)
    }
    // Layer 1's rollout is its head mean with the residual: 0.5·Ā + 0.5·I.
    for i in 0..<length {
      for j in 0..<length {
        let mean = (0..<heads).reduce(Float(0)) { $0 + attention[0, $1, i, j] } / Float(heads)
        #expect(abs(rollout[0, i, j] - (0.5 * mean + (i == j ? 0.5 : 0))) < 1e-6)
      }
    }
    #expect(zip(norms.scalars, attention.scalars).allSatisfy { ($0 == 0) == ($1 == 0) && $0 >= 0 })
    // Flow: one map per layer, rows summing to 1; after one layer, rollout's map.
    let flow = try TensorFile.read(contentsOf: path("f.npy"))
    #expect(flow.shape == rollout.shape)
    for row in 0..<(layers * length) {
      #expect(abs(flow.scalars[row * length..<(row + 1) * length].reduce(0, +) - 1) < 1e-5)
    }
    #expect(zip(flow.scalars.prefix(length * length), rollout.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
    #expect(FileManager.default.fileExists(atPath: path("v.npy.png")))

    let refused = try runAttn(["model", model, text, "--lens", "rollout", "--heads", "1"], in: folder)
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("--lens rollout has one map per layer"))
    let unknown = try runAttn(["model", model, text, "--lens", "gradient"], in: folder)
    #expect(unknown.status == 64)
  }

  /// `--words` and `--span` through the command line: word maps whose rows
  /// sum to 1, and span sums equal to the raw maps' rows and columns.
  @Test func wordsAndSpans() throws {
    let model = try TinyBert(seed: 0x5BA7).writeFolder()
    let text = "the cat sat on the mat"
    for arguments in [["--npy", "a.npy"], ["--words", "--npy", "w.npy"], ["--span", "2-3", "--npy", "s.npy", "--out", "s.png"]] {
      let run = try runAttn(["model", model, text] + arguments, in: folder)
      #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }
    let attention = try TensorFile.read(contentsOf: path("a.npy"))
    let words = try TensorFile.read(contentsOf: path("w.npy"))
    let spans = try TensorFile.read(contentsOf: path("s.npy"))
    let (layers, heads, length) = (attention.shape[0], attention.shape[1], attention.shape[2])
    #expect(words.shape[0] == layers && words.shape[1] == heads && words.shape[2] <= length)
    let count = words.shape[2]
    for row in 0..<(layers * heads * count) {
      #expect(abs(words.scalars[row * count..<(row + 1) * count].reduce(0, +) - 1) < 1e-5)
    }
    #expect(spans.shape == [2, layers, heads, length])
    for layer in 0..<layers {
      for head in 0..<heads {
        for k in 0..<length {
          #expect(abs(spans[0, layer, head, k] - attention[layer, head, 2, k] - attention[layer, head, 3, k]) < 1e-6)
          #expect(abs(spans[1, layer, head, k] - attention[layer, head, k, 2] - attention[layer, head, k, 3]) < 1e-6)
        }
      }
    }
    let outside = try runAttn(["model", model, text, "--span", "5-40"], in: folder)
    #expect(outside.status == 1 && outside.stderr.hasPrefix("error: --span"))
  }

  @Test func generateWritesTheLensOfTheWholeRun() throws {
    let decoder = try TinyLlama().writeFile(name: "tiny-llama-lens")
    let run = try runAttn(
      ["generate", decoder, "the cat", "--max-tokens", "3", "--lens", "rollout", "--npy", "g.npy", "--out", "g.png"],
      in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let rollout = try TensorFile.read(contentsOf: path("g.npy"))
    #expect(rollout.rank == 3 && rollout.shape[0] == TinyLlama().layerCount)
    let length = rollout.shape[1]
    for layer in 0..<rollout.shape[0] {
      for i in 0..<length {
        // Causal: nothing right of the diagonal, rows summing to 1.
        #expect((i + 1..<length).allSatisfy { rollout[layer, i, $0] == 0 })
        let sum = (0...i).reduce(Float(0)) { $0 + rollout[layer, i, $1] }
        #expect(abs(sum - 1) < 1e-5)
      }
    }
    let norms = try runAttn(
      ["generate", decoder, "the cat", "--max-tokens", "3", "--lens", "value-norm", "--npy", "n.npy"], in: folder)
    #expect(norms.status == 0, "stderr: \(norms.stderr)")
    let shape = try TensorFile.read(contentsOf: path("n.npy")).shape
    #expect(shape == [TinyLlama().layerCount, TinyLlama().headCount, length, length])
  }

  @Test func modelWritesSeveralLensesIntoOnePage() throws {
    let model = try TinyBert(seed: 0x3E75).writeFolder()
    let text = "the cat sat on the mat"
    let run = try runAttn(["model", model, text, "--lens", "rollout,attention,value-norm", "--out", "v.html"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let page = try String(contentsOfFile: path("v.html"), encoding: .utf8)
    #expect(page.contains(#"<script type="application/json" id="figure-data" data-view="rollout">"#))
    for name in ["attention", "value-norm"] {
      #expect(page.contains(#"<script type="application/json" class="figure-view" data-view="\#(name)">"#), "\(name)")
    }
    // Each view is the page --lens writes alone, with the same data.
    let alone = try runAttn(["model", model, text, "--lens", "value-norm", "--out", "n.html"], in: folder)
    #expect(alone.status == 0)
    let single = try String(contentsOfFile: path("n.html"), encoding: .utf8)
    let data = try #require(single.components(separatedBy: #"id="figure-data">"#).last?.components(separatedBy: "</script>").first)
    #expect(page.contains(#"data-view="value-norm">"# + data + "</script>"))
    for (arguments, words) in [
      (["--lens", "attention,rollout", "--out", "x.png"], "several lenses go into one .html page"),
      (["--lens", "attention,rollout", "--out", "x.html", "--npy", "x.npy"], "several lenses go into one .html page"),
      (["--lens", "attention,attention", "--out", "x.html"], "is invalid for '--lens"),
      (["--lens", "attention,rollout", "--heads", "1", "--out", "x.html"], "--lens rollout has one map per layer"),
    ] {
      let refused = try runAttn(["model", model, text] + arguments, in: folder)
      #expect(refused.status == 64 && refused.stderr.contains(words), "\(arguments): \(refused.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: path("x.html")) && !FileManager.default.fileExists(atPath: path("x.png")))
  }

  @Test func generateMergesWordsAndDrawsSpansOverTheWholeRun() throws {
    let decoder = try TinyLlama().writeFile(name: "tiny-llama-words")
    let prompt = "the cat sat on"
    for arguments in [
      ["--npy", "a.npy"], ["--words", "--npy", "w.npy", "--view", "model", "--out", "w.png"],
      ["--span", "1-2", "--npy", "s.npy", "--out", "s.png"],
    ] {
      let run = try runAttn(["generate", decoder, prompt, "--max-tokens", "4"] + arguments, in: folder)
      #expect(run.status == 0, "\(arguments): \(run.stderr)")
    }
    let attention = try TensorFile.read(contentsOf: path("a.npy"))
    let words = try TensorFile.read(contentsOf: path("w.npy"))
    let spans = try TensorFile.read(contentsOf: path("s.npy"))
    let (layers, heads, length) = (attention.shape[0], attention.shape[1], attention.shape[2])
    // The words of the run as the tokenizer finds them, written tokens included.
    let model = try #require(try ModelLoader.load(contentsOf: decoder) as? any GenerativeModel)
    let encoding = try model.tokenize(prompt)
    let run = try model.generate(prompt: encoding, options: GenerationOptions(maxTokens: 4)) { _ in }
    #expect(run.attention.attentions == attention)
    let wordIDs = model.textTokenizer.wordIDs(of: run.encoding(after: encoding))
    #expect(wordIDs.count == length)
    let expected = try wordAttention(run.attention, wordIDs: wordIDs)
    #expect(words == expected.attentions)
    #expect(spans.shape == [2, layers, heads, length])
    for layer in 0..<layers {
      for head in 0..<heads {
        for k in 0..<length {
          #expect(spans[0, layer, head, k] == attention[layer, head, 1, k] + attention[layer, head, 2, k])
          #expect(spans[1, layer, head, k] == attention[layer, head, k, 1] + attention[layer, head, k, 2])
        }
      }
    }
    let refused = try runAttn(["generate", decoder, prompt, "--words", "--out", "x.png"], in: folder)
    #expect(refused.status == 64 && refused.stderr.contains("--view model or --span"), "\(refused.stderr)")
    let outside = try runAttn(["generate", decoder, prompt, "--max-tokens", "2", "--span", "3-99"], in: folder)
    #expect(outside.status == 1 && outside.stderr.hasPrefix("error: --span"), "\(outside.stderr)")
    #expect(!FileManager.default.fileExists(atPath: path("x.png")))
  }

  @Test func atlasWritesTheTableAsCSVAndJSONAndAFigure() throws {
    let tiny = TinyBert(seed: 0xA7_1A5)
    let model = try tiny.writeFolder()
    let texts = path("texts.txt")
    try "the cat sat\ncat\nthe the cat sat sat\n".write(toFile: texts, atomically: true, encoding: .utf8)
    let run = try runAttn(
      ["atlas", model, "--input", texts, "--csv", "a.csv", "--json", "a.json", "--out", "a.png", "--batch-size", "2"],
      in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let lines = try String(contentsOfFile: path("a.csv"), encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "layer,head,entropy,distance,previous,next,self,sink,label")
    #expect(lines.count == 1 + tiny.layerCount * tiny.headCount)
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("a.json")))
    let heads = try #require((object as? [String: Any])?["heads"] as? [[String: Any]])
    #expect(heads.count == tiny.layerCount * tiny.headCount)
    for (line, head) in zip(lines.dropFirst(), heads) {
      let fields = line.split(separator: ",")
      #expect(Int(fields[0]) == head["layer"] as? Int && Int(fields[1]) == head["head"] as? Int)
      #expect(Double(fields[2]) == head["entropy"] as? Double)
      #expect(String(fields[8]) == head["label"] as? String)
      let weights = fields[4...7].compactMap { Double($0) }
      #expect(weights.count == 4 && weights.allSatisfy { (0...1).contains($0) })
    }
    let png = try Data(contentsOf: folder.appendingPathComponent("a.png"))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))

    // Batches of 2 (padded) and of 1 give the same table, up to rounding.
    let single = try runAttn(["atlas", model, "--input", texts, "--batch-size", "1"], in: folder)
    #expect(single.status == 0)
    let singleLines = single.stdout.split(separator: "\n")
    #expect(singleLines.count == lines.count)
    for (a, b) in zip(lines.dropFirst(), singleLines.dropFirst()) {
      let (x, y) = (a.split(separator: ","), b.split(separator: ","))
      #expect(x[0] == y[0] && x[1] == y[1])
      for column in 2...7 { #expect(abs(Double(x[column])! - Double(y[column])!) < 2e-5, "\(a) vs \(b)") }
    }

    let missing = try runAttn(["atlas", model, "--input", path("none.txt"), "--csv", "b.csv"], in: folder)
    #expect(missing.status == 1)
    #expect(missing.stderr.hasPrefix("error: ") && missing.stderr.contains("none.txt"))
    #expect(!FileManager.default.fileExists(atPath: path("b.csv")))
  }

  @Test func ablateReportsTheChangeAndRanksTheHeads() throws {
    let tiny = TinyBert(seed: 0xAB1D)
    let model = try tiny.writeFolder()
    let text = "the cat sat on the mat"
    let run = try runAttn(["ablate", model, text, "--ablate", "2.1", "--out", "d.png"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let lines = run.stdout.split(separator: "\n")
    #expect(lines.first == "ablated: 2.1 (zero)")
    let cosine = try #require(lines.first { $0.hasPrefix("sentence embedding cosine") }?.split(separator: " ").last)
    #expect(Double(cosine).map { $0 < 1 && $0 > -1 } == true)
    // Layer 1 comes before the ablated head: its attention cannot change.
    #expect(lines.last?.contains("1: 0.0000, 2: 0.0000") == true)
    #expect(try Data(contentsOf: folder.appendingPathComponent("d.png")).starts(with: [0x89, 0x50]))

    let ranked = try runAttn(["ablate", model, text, "--rank", "--top", "0"], in: folder)
    #expect(ranked.status == 0, "stderr: \(ranked.stderr)")
    let rows = ranked.stdout.split(separator: "\n")
    #expect(rows.first == "rank,head,1 - embedding cosine")
    #expect(rows.count == 1 + tiny.layerCount * tiny.headCount)
    let changes = rows.dropFirst().map { Double($0.split(separator: ",")[2])! }
    #expect(zip(changes, changes.dropFirst()).allSatisfy { $0 >= $1 })

    for (bad, message) in [("3.1", "outside the model"), ("1-2", "layer.head"), ("0.1", "layer.head")] {
      let refused = try runAttn(["ablate", model, text, "--ablate", bad], in: folder)
      #expect(refused.status == 1, "\(bad): \(refused.stderr)")
      #expect(refused.stderr.hasPrefix("error: ") && refused.stderr.contains(message), "\(refused.stderr)")
    }
  }

  @Test func compareRanksTheHeadsOfAMinimalPair() throws {
    let tiny = TinyBert(seed: 0xC0A2)
    let model = try tiny.writeFolder()
    let run = try runAttn(["compare", model, "the cat sat", "the mat sat", "--top", "0", "--npy", "d.npy", "--out", "d.png"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let lines = run.stdout.split(separator: "\n")
    #expect(lines.first == "aligned: [CLS] the cat/mat sat [SEP]")
    #expect(lines.count == 2 + tiny.layerCount * tiny.headCount)
    let difference = try TensorFile.read(contentsOf: path("d.npy"))
    #expect(difference.shape == [tiny.layerCount, tiny.headCount, 5, 5])
    #expect(difference.scalars.allSatisfy { abs($0) <= 1 })
    let wrong = try runAttn(["compare", model, "only one text"], in: folder)
    #expect(wrong.status == 64)
    // Rollout compares one map per layer: layers ranked, (layers, M, M) written.
    let rollout = try runAttn(
      ["compare", model, "the cat sat", "the mat sat", "--lens", "rollout", "--top", "0", "--npy", "r.npy"], in: folder)
    #expect(rollout.status == 0, "stderr: \(rollout.stderr)")
    let rolloutLines = rollout.stdout.split(separator: "\n")
    #expect(rolloutLines.count == 2 + tiny.layerCount && rolloutLines[1] == "rank,layer,Jensen-Shannon distance")
    let rolled = try TensorFile.read(contentsOf: path("r.npy"))
    #expect(rolled.shape == [tiny.layerCount, 5, 5])
    // Each row of A − B sums to 0 where both sides have every key (rows sum to 1 on both).
    for layer in 0..<tiny.layerCount {
      for row in [0, 2, 4] {
        #expect(abs((0..<5).reduce(Float(0)) { $0 + rolled[layer, row, $1] }) < 1e-5)
      }
    }
  }
}
