import Foundation
import Testing

/// Every bad input gets one `error:` line naming the file, status 1, no
/// crash, and no output file.
@Suite struct BadInputTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  private func write(_ bytes: [UInt8], to name: String) throws {
    try Data(bytes).write(to: folder.appendingPathComponent(name))
  }

  private func write(_ text: String, to name: String) throws {
    try Data(text.utf8).write(to: folder.appendingPathComponent(name))
  }

  private func expectNoOutput(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(
      !FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path),
      "\(name) was written", sourceLocation: sourceLocation)
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    #expect(
      !leftovers.contains { $0.hasPrefix(".") || $0.contains("tmp") }, "temporary files left: \(leftovers)",
      sourceLocation: sourceLocation)
  }

  /// A valid 3×4 float32 `.npy` file.
  private var validMatrix: [UInt8] {
    npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
      payload: float32Bytes((0..<12).map { Float($0) / 11 }))
  }

  @Test func missingFile() throws {
    let run = try runAttn(["heatmap", "nowhere.npy", "--out", "fig.png"], in: folder)
    expectOneLineError(run, naming: "nowhere.npy")
    expectNoOutput("fig.png")
  }

  @Test func truncatedNpy() throws {
    let bytes = validMatrix
    for cut in [3, 9, 40, bytes.count - 5] {
      try write(Array(bytes.prefix(cut)), to: "cut.npy")
      let run = try runAttn(["heatmap", "cut.npy", "--out", "fig.png"], in: folder)
      expectOneLineError(run, naming: "cut.npy")
      expectNoOutput("fig.png")
    }
  }

  @Test func wrongMagic() throws {
    var bytes = validMatrix
    bytes[1] = UInt8(ascii: "X")
    try write(bytes, to: "magic.npy")
    expectOneLineError(
      try runAttn(["heatmap", "magic.npy", "--out", "fig.png"], in: folder), naming: "magic.npy")
    expectNoOutput("fig.png")
  }

  @Test func headerThatLiesAboutItsLength() throws {
    let bytes = npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }",
      payload: float32Bytes(Array(repeating: 1, count: 12)), declaredHeaderLength: 60000)
    try write(bytes, to: "liar.npy")
    expectOneLineError(
      try runAttn(["heatmap", "liar.npy", "--out", "fig.png"], in: folder), naming: "liar.npy")
    expectNoOutput("fig.png")
  }

  @Test func hugeShapeIsRejectedBeforeAllocating() throws {
    let bytes = npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
      payload: float32Bytes([1, 2, 3]))
    try write(bytes, to: "huge.npy")
    expectOneLineError(
      try runAttn(["heatmap", "huge.npy", "--out", "fig.png"], in: folder), naming: "huge.npy")
  }

  @Test func fortranOrder() throws {
    let bytes = npyBytes(
      header: "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }",
      payload: float32Bytes(Array(repeating: 1, count: 12)))
    try write(bytes, to: "fortran.npy")
    expectOneLineError(
      try runAttn(["heatmap", "fortran.npy", "--out", "fig.png"], in: folder), naming: "fortran.npy",
      mentioning: "fortran")
  }

  @Test func bigEndian() throws {
    let bytes = npyBytes(
      header: "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 4), }",
      payload: float32Bytes(Array(repeating: 1, count: 12)))
    try write(bytes, to: "big.npy")
    expectOneLineError(
      try runAttn(["heatmap", "big.npy", "--out", "fig.png"], in: folder), naming: "big.npy",
      mentioning: "big-endian")
  }

  @Test func unsupportedDtype() throws {
    let bytes = npyBytes(
      header: "{'descr': '<c8', 'fortran_order': False, 'shape': (3, 4), }",
      payload: Array(repeating: 0, count: 96))
    try write(bytes, to: "complex.npy")
    expectOneLineError(
      try runAttn(["heatmap", "complex.npy", "--out", "fig.png"], in: folder), naming: "complex.npy",
      mentioning: "<c8")
  }

  @Test func fiveDimensional() throws {
    let bytes = npyBytes(
      header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 2, 2), }",
      payload: float32Bytes([1, 2, 3, 4]))
    try write(bytes, to: "five.npy")
    expectOneLineError(
      try runAttn(["heatmap", "five.npy", "--out", "fig.png"], in: folder), naming: "five.npy",
      mentioning: "5-D")
  }

  @Test func emptyArray() throws {
    let bytes = npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", payload: [])
    try write(bytes, to: "empty.npy")
    expectOneLineError(
      try runAttn(["heatmap", "empty.npy", "--out", "fig.png"], in: folder), naming: "empty.npy",
      mentioning: "empty")
    expectNoOutput("fig.png")
  }

  @Test func raggedCSV() throws {
    try write("1,2,3\n4,5\n", to: "ragged.csv")
    expectOneLineError(
      try runAttn(["heatmap", "ragged.csv", "--out", "fig.png"], in: folder), naming: "ragged.csv",
      mentioning: "line 2")
    expectNoOutput("fig.png")
  }

  @Test func raggedJSON() throws {
    try write("[[1, 2, 3], [4, 5]]", to: "ragged.json")
    expectOneLineError(
      try runAttn(["heatmap", "ragged.json", "--out", "fig.png"], in: folder), naming: "ragged.json",
      mentioning: "ragged")
    expectNoOutput("fig.png")
  }

  @Test func titlesThatDoNotMatchTheColumns() throws {
    try write(validMatrix, to: "m.npy")
    let run = try runAttn(["heatmap", "m.npy", "--titles", "a,b,c", "--out", "fig.png"], in: folder)
    expectOneLineError(run, naming: "m.npy", mentioning: "3 titles")
    expectNoOutput("fig.png")
  }

  @Test func unknownColormapListsTheKnownOnes() throws {
    try write(validMatrix, to: "m.npy")
    let run = try runAttn(["heatmap", "m.npy", "--cmap", "Redz", "--out", "fig.png"], in: folder)
    expectOneLineError(run, naming: "m.npy", mentioning: "Redz")
    #expect(run.stderr.contains("viridis") && run.stderr.contains("Blues"))
    expectNoOutput("fig.png")
  }

  @Test(arguments: ["0,2", "-1,2", "3,0", "nan,2"])
  func figsizeThatIsNotPositive(_ figsize: String) throws {
    try write(validMatrix, to: "m.npy")
    // `--figsize=-1,2`: a value that starts with a dash must be attached.
    let run = try runAttn(["heatmap", "m.npy", "--figsize=\(figsize)", "--out", "fig.png"], in: folder)
    expectOneLineError(run, naming: "m.npy", mentioning: "figsize")
    expectNoOutput("fig.png")
  }

  @Test func unknownOutputFormat() throws {
    try write(validMatrix, to: "m.npy")
    let run = try runAttn(["heatmap", "m.npy", "--out", "fig.gif"], in: folder)
    expectOneLineError(run, naming: "fig.gif")
    expectNoOutput("fig.gif")
  }

  @Test func shapesOfQueriesKeysAndValuesThatDoNotFit() throws {
    try write(
      npyBytes(
        header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }",
        payload: float32Bytes(Array(repeating: 0.5, count: 24))), to: "q.npy")
    try write(
      npyBytes(
        header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5, 3), }",
        payload: float32Bytes(Array(repeating: 0.5, count: 30))), to: "k.npy")
    try write(
      npyBytes(
        header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5, 6), }",
        payload: float32Bytes(Array(repeating: 0.5, count: 60))), to: "v.npy")
    let run = try runAttn(
      ["attend", "--queries", "q.npy", "--keys", "k.npy", "--values", "v.npy", "--out", "o.npy"], in: folder)
    expectOneLineError(run, naming: "q.npy", mentioning: "[2, 3, 4]")
    #expect(run.stderr.contains("[2, 5, 3]"), "both shapes named: \(run.stderr)")
    expectNoOutput("o.npy")
  }

  @Test func usageMistakesExitWith64() throws {
    let run = try runAttn(["heatmap"], in: folder)
    #expect(run.status == 64)
    #expect(run.stderr.hasPrefix("error: "))
    #expect(run.errorLines.count == 1, "stderr: \(run.stderr)")
  }
}
