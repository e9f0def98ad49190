import AttentionCore
import Foundation
import TensorIO
import Testing

/// `attn attend` with learned (additive) scoring and with heads.
@Suite struct AttendCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

  private func random(_ shape: [Int]) -> Tensor {
    Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1.5...1.5) })
  }

  private func writeInputs(queries: [Int], keys: [Int], values: [Int]) throws -> (Tensor, Tensor, Tensor) {
    let tensors = (random(queries), random(keys), random(values))
    try TensorFile.write(tensors.0, to: path("q.npy"))
    try TensorFile.write(tensors.1, to: path("k.npy"))
    try TensorFile.write(tensors.2, to: path("v.npy"))
    return tensors
  }

  private func attend(_ extra: [String]) throws -> AttnRun {
    try runAttn(
      ["attend", "--queries", "q.npy", "--keys", "k.npy", "--values", "v.npy", "--out", "o.npy"] + extra,
      in: folder)
  }

  @Test func additiveScoringWithParamsMatchesAFloat64Reference() throws {
    let (batch, queryCount, keyCount, querySize, keySize, valueDepth, hidden) = (3, 2, 7, 5, 3, 4, 9)
    let (queries, keys, values) = try writeInputs(
      queries: [batch, queryCount, querySize], keys: [batch, keyCount, keySize],
      values: [batch, keyCount, valueDepth])
    let queryWeight = random([querySize, hidden])
    let keyWeight = random([keySize, hidden])
    let scoreWeight = random([hidden, 1])
    try TensorFile.writeArchive(
      [("W_q", queryWeight), ("W_k", keyWeight), ("w_v", scoreWeight)], to: path("p.npz"))
    let validLengths = [0, 7, 4]
    let run = try attend([
      "--scoring", "additive", "--params", "p.npz", "--valid-lens", "0,7,4", "--weights", "w.npy",
      "--plot", "w.png",
    ])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let expected = Float64Reference.additive(
      queries: queries, keys: keys, values: values, queryWeight: queryWeight, keyWeight: keyWeight,
      scoreWeight: scoreWeight, validLengths: validLengths)
    let output = try TensorFile.read(contentsOf: path("o.npy"))
    let weights = try TensorFile.read(contentsOf: path("w.npy"))
    #expect(output.shape == [batch, queryCount, valueDepth])
    #expect(weights.shape == [batch, queryCount, keyCount])
    expectClose(output.scalars, expected.output)
    expectClose(weights.scalars, expected.weights)
    #expect(FileManager.default.fileExists(atPath: path("w.png")))
  }

  /// `--num-hiddens` and `--seed` draw the weights as the library's seeded
  /// layer does (which its own tests hold against PyTorch).
  @Test func additiveScoringWithSeededWeights() throws {
    let (queries, keys, values) = try writeInputs(queries: [2, 3, 6], keys: [2, 5, 3], values: [2, 5, 2])
    let run = try attend([
      "--scoring", "additive", "--num-hiddens", "7", "--seed", "11", "--weights", "w.npy",
    ])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let layer = try AdditiveAttention(keySize: 3, querySize: 6, numHiddens: 7, seed: 11)
    let expected = Float64Reference.additive(
      queries: queries, keys: keys, values: values, queryWeight: layer.queryWeight,
      keyWeight: layer.keyWeight,
      scoreWeight: layer.scoreWeight, validLengths: nil)
    expectClose(try TensorFile.read(contentsOf: path("o.npy")).scalars, expected.output)
    expectClose(try TensorFile.read(contentsOf: path("w.npy")).scalars, expected.weights)
  }

  @Test(arguments: ["scaled-dot", "dot"])
  func headsSplitTheFeaturesAsTheyAre(scoring: String) throws {
    let (batch, queryCount, keyCount, depth, valueDepth, heads) = (2, 3, 5, 12, 9, 3)
    let (queries, keys, values) = try writeInputs(
      queries: [batch, queryCount, depth], keys: [batch, keyCount, depth],
      values: [batch, keyCount, valueDepth])
    let run = try attend([
      "--heads", "3", "--scoring", scoring, "--valid-lens", "2,5", "--causal", "--weights", "w.npy",
      "--plot", "w.svg",
    ])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let expected = Float64Reference.multiHead(
      queries: queries, keys: keys, values: values, heads: heads, projections: nil,
      scaled: scoring == "scaled-dot", validLengths: [2, 5], causal: true)
    let output = try TensorFile.read(contentsOf: path("o.npy"))
    let weights = try TensorFile.read(contentsOf: path("w.npy"))
    #expect(output.shape == [batch, queryCount, valueDepth])
    #expect(weights.shape == [batch, heads, queryCount, keyCount])
    expectClose(output.scalars, expected.output)
    expectClose(weights.scalars, expected.weights)
    let svg = try String(contentsOfFile: path("w.svg"), encoding: .utf8)
    for title in ["Head 1", "Head 3", "Batch 1", "Batch 2"] {
      #expect(svg.contains(title), "\(title) missing from the figure")
    }
  }

  @Test func headsWithParamsRunMultiHeadAttention() throws {
    let (batch, queryCount, keyCount, querySize, keySize, valueSize, hidden, heads) = (2, 4, 3, 5, 7, 3, 6, 2)
    let (queries, keys, values) = try writeInputs(
      queries: [batch, queryCount, querySize], keys: [batch, keyCount, keySize],
      values: [batch, keyCount, valueSize])
    let projections = Float64Reference.Projections(
      query: random([querySize, hidden]), key: random([keySize, hidden]), value: random([valueSize, hidden]),
      output: random([hidden, hidden]))
    try TensorFile.writeArchive(
      [
        ("W_q", projections.query), ("W_k", projections.key), ("W_v", projections.value),
        ("W_o", projections.output),
      ], to: path("mha.npz"))
    let validLengths = [3, 1, 2, 0, 1, 1, 2, 3]  // one per batch element and query
    let run = try attend([
      "--heads", "2", "--params", "mha.npz", "--valid-lens",
      validLengths.map(String.init).joined(separator: ","),
      "--weights", "w.npy",
    ])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let expected = Float64Reference.multiHead(
      queries: queries, keys: keys, values: values, heads: heads, projections: projections, scaled: true,
      validLengths: validLengths, causal: false)
    let output = try TensorFile.read(contentsOf: path("o.npy"))
    let weights = try TensorFile.read(contentsOf: path("w.npy"))
    #expect(output.shape == [batch, queryCount, hidden])
    #expect(weights.shape == [batch, heads, queryCount, keyCount])
    expectClose(output.scalars, expected.output)
    expectClose(weights.scalars, expected.weights)
  }

  /// A single 2-D sequence keeps its 2-D output; the weights lose the batch axis.
  @Test func headsOfOneUnbatchedSequence() throws {
    let (queries, keys, values) = try writeInputs(queries: [3, 8], keys: [5, 8], values: [5, 4])
    let run = try attend(["--heads", "4", "--weights", "w.npy", "--plot", "w.png"])
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let expected = Float64Reference.multiHead(
      queries: queries.reshaped([1, 3, 8]), keys: keys.reshaped([1, 5, 8]),
      values: values.reshaped([1, 5, 4]),
      heads: 4, projections: nil, scaled: true, validLengths: nil, causal: false)
    let output = try TensorFile.read(contentsOf: path("o.npy"))
    let weights = try TensorFile.read(contentsOf: path("w.npy"))
    #expect(output.shape == [3, 4])
    #expect(weights.shape == [4, 3, 5])
    expectClose(output.scalars, expected.output)
    expectClose(weights.scalars, expected.weights)
  }

  @Test func paramsWithoutAnArrayNameTheArchiveAndTheArray() throws {
    _ = try writeInputs(queries: [2, 1, 20], keys: [2, 10, 2], values: [2, 10, 4])
    try TensorFile.writeArchive([("W_q", random([20, 8])), ("w_v", random([8, 1]))], to: path("p.npz"))
    var run = try attend(["--scoring", "additive", "--params", "p.npz"])
    expectOneLineError(run, naming: "p.npz", mentioning: "W_k")
    #expect(!FileManager.default.fileExists(atPath: path("o.npy")))
    // A single array is not an archive of named ones.
    run = try attend(["--scoring", "additive", "--params", "q.npy"])
    expectOneLineError(run, naming: "q.npy", mentioning: ".npz")
    #expect(!FileManager.default.fileExists(atPath: path("o.npy")))
  }

  @Test func paramsOfTheWrongShapeNameBothShapes() throws {
    _ = try writeInputs(queries: [2, 1, 20], keys: [2, 10, 2], values: [2, 10, 4])
    // W_q for 5-wide queries, given 20-wide ones.
    try TensorFile.writeArchive(
      [("W_q", random([5, 8])), ("W_k", random([2, 8])), ("w_v", random([8, 1]))], to: path("p.npz"))
    var run = try attend(["--scoring", "additive", "--params", "p.npz"])
    expectOneLineError(run, naming: "p.npz", mentioning: "[5, 8]")
    #expect(run.stderr.contains("[2, 1, 20]"), "both shapes named: \(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: path("o.npy")))
    // Weights that disagree among themselves on h.
    try TensorFile.writeArchive(
      [("W_q", random([20, 8])), ("W_k", random([2, 7])), ("w_v", random([8, 1]))], to: path("p.npz"))
    run = try attend(["--scoring", "additive", "--params", "p.npz"])
    expectOneLineError(run, naming: "p.npz", mentioning: "W_q [20, 8]")
    #expect(run.stderr.contains("W_k [2, 7]"), "both shapes named: \(run.stderr)")
    // A multi-head W_o that is not [h, h].
    try TensorFile.writeArchive(
      [
        ("W_q", random([20, 6])), ("W_k", random([2, 6])), ("W_v", random([4, 6])), ("W_o", random([6, 5])),
      ],
      to: path("mha.npz"))
    run = try attend(["--heads", "2", "--params", "mha.npz"])
    expectOneLineError(run, naming: "mha.npz", mentioning: "W_o [6, 5]")
    #expect(run.stderr.contains("[6, 6]"), "both shapes named: \(run.stderr)")
  }

  @Test func headsThatDoNotDivideTheFeatures() throws {
    _ = try writeInputs(queries: [2, 3, 10], keys: [2, 4, 10], values: [2, 4, 6])
    var run = try attend(["--heads", "3"])
    expectOneLineError(run, naming: "q.npy", mentioning: "not divisible")
    #expect(run.stderr.contains("[2, 3, 10]"), "stderr: \(run.stderr)")
    // Learned projections: it is h that the heads must divide.
    run = try attend(["--heads", "3", "--num-hiddens", "8"])
    expectOneLineError(run, naming: "--num-hiddens 8", mentioning: "not divisible")
    #expect(!FileManager.default.fileExists(atPath: path("o.npy")))
  }

  @Test func contradictoryOptionsAreUsageErrors() throws {
    _ = try writeInputs(queries: [2, 3, 4], keys: [2, 4, 4], values: [2, 4, 4])
    let cases: [[String]] = [
      ["--scoring", "additive"],
      ["--scoring", "additive", "--heads", "2", "--num-hiddens", "4"],
      ["--num-hiddens", "4"],
      ["--heads", "0"],
      ["--heads", "2", "--seed", "3"],
    ]
    for extra in cases {
      let run = try attend(extra)
      #expect(run.status == 64, "\(extra): status \(run.status), stderr: \(run.stderr)")
      #expect(run.errorLines.count == 1 && run.stderr.hasPrefix("error: "), "\(extra): \(run.stderr)")
    }
  }

  @Test func headsNeedThreeDimensionalInputs() throws {
    _ = try writeInputs(queries: [2, 2, 3, 4], keys: [2, 2, 5, 4], values: [2, 2, 5, 4])
    let run = try attend(["--heads", "2"])
    expectOneLineError(run, naming: "q.npy", mentioning: "[2, 2, 3, 4]")
  }
}

/// Checks `actual` against `expected` elementwise within `1e-6 + 1e-5·|expected|`.
private func expectClose(
  _ actual: [Float], _ expected: [Double], sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(actual.count == expected.count, sourceLocation: sourceLocation)
  for (index, (value, reference)) in zip(actual, expected).enumerated() {
    let error = abs(Double(value) - reference)
    guard error <= 1e-6 + 1e-5 * abs(reference) else {
      Issue.record("element \(index): \(value) vs \(reference)", sourceLocation: sourceLocation)
      return
    }
  }
}

/// Plain Float64 loops of d2l's attention layers, from the book's formulas.
private enum Float64Reference {
  struct Projections {
    let query: Tensor  // W_q [Dq, h]
    let key: Tensor  // W_k [Dk, h]
    let value: Tensor  // W_v [Dv, h]
    let output: Tensor  // W_o [h, h]
  }

  /// `x @ weight` (or `x` when `weight` is nil) for `x` `[B, L, in]`, as `[B][L][out]`.
  static func project(_ x: Tensor, _ weight: Tensor?) -> [[[Double]]] {
    (0..<x.shape[0]).map { b in
      (0..<x.shape[1]).map { l in
        guard let weight else { return (0..<x.shape[2]).map { Double(x[b, l, $0]) } }
        return (0..<weight.shape[1]).map { o in
          (0..<x.shape[2]).reduce(0.0) { $0 + Double(x[b, l, $1]) * Double(weight[$1, o]) }
        }
      }
    }
  }

  /// Softmax with entries at index >= `validLength` set to -1e6 first, as d2l's `masked_softmax`.
  static func maskedSoftmax(_ scores: [Double], validLength: Int) -> [Double] {
    let masked = scores.indices.map { $0 < validLength ? scores[$0] : -1e6 }
    let peak = masked.max() ?? 0
    let exps = masked.map { Foundation.exp($0 - peak) }
    let total = exps.reduce(0, +)
    return exps.map { $0 / total }
  }

  static func additive(
    queries: Tensor, keys: Tensor, values: Tensor, queryWeight: Tensor, keyWeight: Tensor,
    scoreWeight: Tensor,
    validLengths: [Int]?
  ) -> (output: [Double], weights: [Double]) {
    let projectedQueries = project(queries, queryWeight)
    let projectedKeys = project(keys, keyWeight)
    var output: [Double] = []
    var weights: [Double] = []
    for b in 0..<queries.shape[0] {
      for i in 0..<queries.shape[1] {
        let scores = (0..<keys.shape[1]).map { j in
          (0..<queryWeight.shape[1]).reduce(0.0) { sum, f in
            sum + Double(scoreWeight[f, 0])
              * Foundation.tanh(projectedQueries[b][i][f] + projectedKeys[b][j][f])
          }
        }
        let row = maskedSoftmax(scores, validLength: validLengths?[b] ?? keys.shape[1])
        weights += row
        for v in 0..<values.shape[2] {
          output.append(row.indices.reduce(0.0) { $0 + row[$1] * Double(values[b, $1, v]) })
        }
      }
    }
    return (output, weights)
  }

  /// d2l's multi-head attention with `projections`, or the plain split of
  /// the features into heads when `projections` is nil. Head `hd` takes
  /// features `hd·w/H ..< (hd+1)·w/H` of a row of width `w`.
  static func multiHead(
    queries: Tensor, keys: Tensor, values: Tensor, heads: Int, projections: Projections?, scaled: Bool,
    validLengths: [Int]?, causal: Bool
  ) -> (output: [Double], weights: [Double]) {
    let (batch, queryCount, keyCount) = (queries.shape[0], queries.shape[1], keys.shape[1])
    let projectedQueries = project(queries, projections?.query)
    let projectedKeys = project(keys, projections?.key)
    let projectedValues = project(values, projections?.value)
    let depth = projectedQueries[0][0].count / heads
    let valueDepth = projectedValues[0][0].count / heads
    let perQuery = validLengths?.count == batch * queryCount && queryCount > 1
    var weights: [Double] = []
    var concatenated = Array(repeating: Array(repeating: [Double](), count: queryCount), count: batch)
    for b in 0..<batch {
      for hd in 0..<heads {
        for i in 0..<queryCount {
          let query = projectedQueries[b][i][hd * depth..<(hd + 1) * depth]
          let scores = (0..<keyCount).map { j in
            let key = projectedKeys[b][j][hd * depth..<(hd + 1) * depth]
            let dot = zip(query, key).reduce(0.0) { $0 + $1.0 * $1.1 }
            return scaled ? dot / Double(depth).squareRoot() : dot
          }
          var length = validLengths.map { perQuery ? $0[b * queryCount + i] : $0[b] } ?? keyCount
          if causal { length = min(length, i + 1) }
          let row = maskedSoftmax(scores, validLength: length)
          weights += row
          for v in hd * valueDepth..<(hd + 1) * valueDepth {
            concatenated[b][i].append(row.indices.reduce(0.0) { $0 + row[$1] * projectedValues[b][$1][v] })
          }
        }
      }
    }
    var output: [Double] = []
    for b in 0..<batch {
      for i in 0..<queryCount {
        let row = concatenated[b][i]
        guard let outputWeight = projections?.output else {
          output += row
          continue
        }
        for o in 0..<outputWeight.shape[1] {
          output.append(row.indices.reduce(0.0) { $0 + row[$1] * Double(outputWeight[$1, o]) })
        }
      }
    }
    return (output, weights)
  }
}
