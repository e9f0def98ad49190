import Tensors
import Foundation
import Testing

@testable import TensorIO

@Suite struct TensorFileTests {
  @Test func formatComesFromTheExtension() throws {
    #expect(try TensorFormat(path: "a/b/eye.npy") == .npy)
    #expect(try TensorFormat(path: "W.NPZ") == .npz)
    #expect(try TensorFormat(path: "m.csv") == .csv)
    #expect(try TensorFormat(path: "dir.v2/m.json") == .json)
    #expect(
      failure { try TensorFormat(path: "dir/m.txt") }
        == "m.txt: unknown extension \".txt\"; supported: .npy, .npz, .csv, .json")
    #expect(
      failure { try TensorFormat(path: "dir.npy/README") }
        == "README: no file extension; supported: .npy, .npz, .csv, .json")
    #expect(
      failure { try TensorFormat(path: ".npy") }
        == ".npy: no file extension; supported: .npy, .npz, .csv, .json")
  }

  @Test func missingFilesAndFoldersAreNamed() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(failure { try TensorFile.read(contentsOf: folder + "/x.npy") } == "x.npy: no such file")
    try FileManager.default.createDirectory(atPath: folder + "/d.npy", withIntermediateDirectories: false)
    #expect(failure { try TensorFile.read(contentsOf: folder + "/d.npy") } == "d.npy: is a directory, not a file")
    #expect(
      failure { try TensorFile.write(Tensor([1]), to: folder + "/d.npy") }
        == "d.npy: is a directory, not a file")
    #expect(
      failure { try TensorFile.write(Tensor([1]), to: folder + "/missing/x.npy") }
        == "x.npy: no such folder \"\(folder)/missing\"")
    #expect(failure { try TensorFile.read(contentsOf: folder + "/x.csv") } == "x.csv: no such file")
  }

  @Test func fifoIsRejectedWithoutBlocking() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    guard mkfifo(folder + "/p.npy", 0o600) == 0 else { return }
    #expect(failure { try TensorFile.read(contentsOf: folder + "/p.npy") } == "p.npy: not a regular file")
  }

  @Test func failedWriteLeavesTheOldFileAndNoTemporary() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/m.csv"
    try TensorFile.write(Tensor(rows: [[1, 2]]), to: path)
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(
      failure { try TensorFile.write(Tensor.zeros([2, 2, 2]), to: path) }
        == "m.csv: 3-D tensor [2, 2, 2]; CSV holds 1-D or 2-D")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["m.csv"])
  }

  @Test func writeReplacesAnExistingFileWhole() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/t.npy"
    try TensorFile.write(Tensor.ones([50, 50]), to: path)
    try TensorFile.write(Tensor.eye(3), to: path)
    #expect(try TensorFile.read(contentsOf: path) == Tensor.eye(3))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["t.npy"])
    #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 128 + 36)
  }

  @Test func sinkFailureRemovesTheTemporaryFile() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/t.npy"
    #expect(throws: Problem.self) {
      try AtomicFileWriter.write(to: path) { (sink: inout AtomicFileWriter) throws(Problem) in
        try sink.write([1, 2, 3])
        throw Problem("disk full")
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
  }
}
