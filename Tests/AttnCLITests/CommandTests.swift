import AttentionCore
import Foundation
import TensorIO
import Testing

@Suite struct CommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  @Test func demoWritesEachFigureBesideItsMatrix() throws {
    let run = try runAttn(["demo", "--out", "figs"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    for name in ["eye", "softmax", "cues"] {
      let png = try Data(contentsOf: folder.appendingPathComponent("figs/\(name).png"))
      #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      #expect(FileManager.default.fileExists(atPath: path("figs/\(name).npy")))
    }
    let eye = try TensorFile.read(contentsOf: path("figs/eye.npy"))
    #expect(eye.shape == [10, 10])
    for i in 0..<10 {
      for j in 0..<10 { #expect(eye[i, j] == (i == j ? 1 : 0)) }
    }
  }

  /// The softmax figure's matrix is PyTorch's: the values below were printed
  /// by PyTorch 2.x for `torch.manual_seed(42); F.softmax(torch.randn(10, 10), dim=1)`.
  @Test func demoSoftmaxMatchesPyTorch() throws {
    let run = try runAttn(["demo", "--out", "figs", "--format", "svg"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let weights = try TensorFile.read(contentsOf: path("figs/softmax.npy"))
    let firstRow: [Float] = [
      0.2990279495716095, 0.19265593588352203, 0.10716170072555542, 0.005302087869495153,
      0.08580182492733002, 0.012667971663177013, 0.04170221835374832, 0.00874913390725851,
      0.020521776750683784, 0.22640939056873322,
    ]
    let lastRow: [Float] = [
      0.0907503068447113, 0.05260124057531357, 0.09802985936403275, 0.26868265867233276,
      0.07511736452579498, 0.05552086606621742, 0.028048191219568253, 0.08508594334125519,
      0.10672233253717422, 0.13944125175476074,
    ]
    for j in 0..<10 {
      #expect(abs(weights[0, j] - firstRow[j]) <= 2e-7 * max(1, firstRow[j]) + 1e-8)
      #expect(abs(weights[9, j] - lastRow[j]) <= 2e-7 * max(1, lastRow[j]) + 1e-8)
    }
    let svg = try String(contentsOfFile: path("figs/softmax.svg"), encoding: .utf8)
    #expect(svg.contains("<svg"))
  }

  @Test func heatmapReadsEveryFormat() throws {
    let matrix = Tensor(shape: [3, 5], scalars: (0..<15).map { Float($0) * 0.1 })
    for name in ["m.npy", "m.csv", "m.json"] {
      try TensorFile.write(matrix, to: path(name))
      let run = try runAttn(["heatmap", name, "--out", name + ".png"], in: folder)
      #expect(run.status == 0, "\(name): \(run.stderr)")
      #expect(FileManager.default.fileExists(atPath: path(name + ".png")))
    }
  }

  /// A matrix wider than Cairo's images (32767 pixels) is drawn averaged
  /// into the panel's pixels, and previewed in as many lines as it is wide.
  @Test func heatmapDrawsAMatrixWiderThanCairosImages() throws {
    let matrix = Tensor(shape: [3, 40_000], scalars: (0..<120_000).map { Float($0 % 977) })
    try TensorFile.write(matrix, to: path("wide.npy"))
    let run = try runAttn(["heatmap", "wide.npy", "--figsize", "40,1.5", "--out", "wide.png"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let png = try Data(contentsOf: folder.appendingPathComponent("wide.png"))
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    // IHDR: the width and height of the figure, 40 × 1.5 inches at 100 dpi.
    let size = png.dropFirst(16).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    #expect(size == UInt64(4000) << 32 | 150)
    let tall = Tensor(shape: [40_000, 2], scalars: (0..<80_000).map { Float($0 % 31) })
    try TensorFile.write(tall, to: path("tall.npy"))
    let preview = try runAttn(["heatmap", "tall.npy", "--columns", "60"], in: folder)
    #expect(preview.status == 0, "stderr: \(preview.stderr)")
    #expect(preview.stdout.split(separator: "\n").count < 100)
  }

  @Test func heatmapWithoutOutPreviewsInTheTerminal() throws {
    let matrix = Tensor(shape: [2, 4, 4], scalars: (0..<32).map { Float($0) })
    try TensorFile.write(matrix, to: path("m.npy"))
    let run = try runAttn(["heatmap", "m.npy", "--columns", "60"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    #expect(run.stdout.contains("\u{1B}[38;2;") || run.stdout.contains("\u{1B}[48;2;"))
  }

  /// `attn attend` against a plain Float64 computation of scaled dot-product
  /// attention with valid lengths, on random inputs of odd sizes.
  @Test func attendMatchesAFloat64Reference() throws {
    let (batch, queryCount, keyCount, depth, valueDepth) = (3, 5, 7, 9, 4)
    var generator = SystemRandomNumberGenerator()
    func random(_ shape: [Int]) -> Tensor {
      Tensor(
        shape: shape,
        scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -2...2, using: &generator) })
    }
    let queries = random([batch, queryCount, depth])
    let keys = random([batch, keyCount, depth])
    let values = random([batch, keyCount, valueDepth])
    try TensorFile.write(queries, to: path("q.npy"))
    try TensorFile.write(keys, to: path("k.npy"))
    try TensorFile.write(values, to: path("v.npy"))
    let validLengths = [2, 7, 5]
    let run = try runAttn(
      [
        "attend", "--queries", "q.npy", "--keys", "k.npy", "--values", "v.npy",
        "--valid-lens", validLengths.map(String.init).joined(separator: ","),
        "--out", "o.npy", "--weights", "w.npy", "--plot", "w.png",
      ], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let output = try TensorFile.read(contentsOf: path("o.npy"))
    let weights = try TensorFile.read(contentsOf: path("w.npy"))
    #expect(output.shape == [batch, queryCount, valueDepth])
    #expect(weights.shape == [batch, queryCount, keyCount])
    #expect(FileManager.default.fileExists(atPath: path("w.png")))
    for b in 0..<batch {
      for i in 0..<queryCount {
        var scores = [Double](repeating: 0, count: keyCount)
        for j in 0..<keyCount {
          var dot = 0.0
          for d in 0..<depth { dot += Double(queries[b, i, d]) * Double(keys[b, j, d]) }
          scores[j] = j < validLengths[b] ? dot / Double(depth).squareRoot() : -1e6
        }
        let top = scores.max()!
        let exps = scores.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        for j in 0..<keyCount {
          let expected = exps[j] / total
          #expect(abs(Double(weights[b, i, j]) - expected) <= 1e-5 * max(1, expected))
        }
        for v in 0..<valueDepth {
          var pooled = 0.0
          for j in 0..<keyCount { pooled += exps[j] / total * Double(values[b, j, v]) }
          #expect(abs(Double(output[b, i, v]) - pooled) <= 1e-5 * max(1, abs(pooled)))
        }
      }
    }
  }

  @Test(arguments: [["--help"], ["heatmap", "--help"], ["attend", "-h"], ["--version"]])
  func helpAndVersionPrintToStandardOutput(_ arguments: [String]) throws {
    let run = try runAttn(arguments, in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    #expect(run.stderr.isEmpty, "stderr: \(run.stderr)")
    #expect(run.stdout.contains(arguments == ["--version"] ? "." : "USAGE:"), "stdout: \(run.stdout)")
  }
}
