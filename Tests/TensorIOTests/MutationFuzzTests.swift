import Tensors
import Foundation
import Testing

@testable import TensorIO

/// Seeded random mutations of valid files: every read must either succeed with a well-formed tensor
/// or throw a `TensorIOError`; a trap fails the whole test run.
@Suite struct MutationFuzzTests {
  private func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
    var mutated = bytes
    for _ in 0...Int.random(in: 0..<3, using: &generator) {
      let position = Int.random(in: 0...mutated.count, using: &generator)
      switch Int.random(in: 0..<5, using: &generator) {
      case 0 where position < mutated.count:
        mutated[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
      case 1 where position < mutated.count:
        // Bytes that matter to the formats: size fields pushed to extremes, delimiters.
        mutated[position] =
          [0x00, 0xFF, 0x7F, 0x80, 0x2C, 0x5B, 0x5D, 0x0A, 0x30, 0x39][
            Int.random(in: 0..<10, using: &generator)]
      case 2:
        mutated.insert(UInt8.random(in: 0...255, using: &generator), at: position)
      case 3 where position < mutated.count:
        mutated.remove(at: position)
      default:
        mutated = Array(mutated[0..<position])
      }
    }
    return mutated
  }

  private func check(_ result: Result<Tensor, TensorIOError>, _ context: @autoclosure () -> String) {
    if case .success(let tensor) = result {
      #expect(tensor.rank <= 4 && !tensor.shape.contains(0), "\(context()): shape \(tensor.shape)")
      #expect(Tensor.elementCount(tensor.shape) == tensor.scalars.count, "\(context())")
    }
  }

  private func fuzz(_ seeds: [[UInt8]], format: TensorFormat, iterations: Int, seed: UInt64) -> (
    accepted: Int, rejected: Int
  ) {
    var generator = SeededGenerator(seed: seed)
    var accepted = 0
    var rejected = 0
    for iteration in 0..<iterations {
      let input = mutate(seeds[iteration % seeds.count], using: &generator)
      let result = Result { () throws(TensorIOError) -> Tensor in try TensorFile.decode(input, format: format)
      }
      check(result, "\(format) iteration \(iteration)")
      if case .success = result { accepted += 1 } else { rejected += 1 }
      if format == .npz, case .success = result {
        _ = try? TensorFile.decodeArchive(input)
      }
    }
    return (accepted, rejected)
  }

  @Test func npy() throws {
    let seeds = [
      try fixtureBytes("float32_2x3x4.npy"), try fixtureBytes("float16_6.npy"),
      try fixtureBytes("version2_3.npy"),
      try fixtureBytes("float64_2x3.npy"), try fixtureBytes("bool_2x3.npy"),
    ]
    let counts = fuzz(seeds, format: .npy, iterations: 4000, seed: 0xF022_0001)
    // Both outcomes occur, so the mutations neither always break nor never touch the files.
    #expect(counts.accepted > 0 && counts.rejected > 0)
  }

  @Test func npz() throws {
    let seeds = [try fixtureBytes("stored.npz"), try fixtureBytes("compressed.npz")]
    let counts = fuzz(seeds, format: .npz, iterations: 4000, seed: 0xF022_0002)
    #expect(counts.accepted > 0 && counts.rejected > 0)
  }

  @Test func text() throws {
    let csv = Array("# weights\nq,k,v\n1,2.5,-3e-2\n4,nan,inf\n".utf8)
    let json = Array(#"[[[1, 2.5], [NaN, -3e-2]], [[4, 5], [6, -Infinity]]]"#.utf8)
    let object = Array(#"{"shape": [2, 2], "data": [1, 2, 3, 4]}"#.utf8)
    let csvCounts = fuzz([csv], format: .csv, iterations: 2000, seed: 0xF022_0003)
    let jsonCounts = fuzz([json, object], format: .json, iterations: 2000, seed: 0xF022_0004)
    #expect(csvCounts.accepted > 0 && csvCounts.rejected > 0)
    #expect(jsonCounts.accepted > 0 && jsonCounts.rejected > 0)
  }

  @Test func throughTheFileSystem() throws {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var generator = SeededGenerator(seed: 0xF022_0005)
    for (name, bytes) in [
      ("a.npy", try fixtureBytes("float32_2x1x2x3.npy")), ("b.npz", try fixtureBytes("compressed.npz")),
    ] {
      for iteration in 0..<200 {
        let path = folder + "/" + name
        try Data(mutate(bytes, using: &generator)).write(to: URL(fileURLWithPath: path))
        check(
          Result { () throws(TensorIOError) -> Tensor in try TensorFile.read(contentsOf: path) },
          "\(name) iteration \(iteration)")
      }
    }
  }
}
