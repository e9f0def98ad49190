import Tensors
import Foundation
import Testing

@testable import TensorIO

/// Seeded random mutations of small valid safetensors files: opening either
/// succeeds with a header whose tensors tile the data, all readable, or throws
/// a `TensorIOError`; a trap fails the whole test run.
@Suite struct SafetensorsFuzzTests {
  /// Two files covering several dtypes, metadata and a 0-D tensor.
  private func seeds() throws -> [[UInt8]] {
    let written = try SafetensorsFile.encode(
      tensors: [
        ("w", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])), ("s", Tensor(shape: [], scalars: [7])),
      ],
      metadata: ["format": "pt"])
    let header =
      "{" + tensorEntry("h", dtype: "F16", shape: [2], offsets: (0, 4)) + ", "
      + tensorEntry("i", dtype: "I64", shape: [1, 1], offsets: (4, 12)) + ", "
      + tensorEntry("b", dtype: "BF16", shape: [], offsets: (12, 14)) + #", "__metadata__": {"a": "\u00e9"}}"#
    let handBuilt = safetensorsBytes(
      header: header, data: [0, 0x3C, 0, 0xC0] + littleEndianBytes([42], size: 8) + [0x80, 0x3F])
    return [written, handBuilt]
  }

  private func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
    var mutated = bytes
    for _ in 0...Int.random(in: 0..<3, using: &generator) {
      let position = Int.random(in: 0...mutated.count, using: &generator)
      switch Int.random(in: 0..<6, using: &generator) {
      case 0 where position < mutated.count:
        mutated[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
      case 1 where position < mutated.count:
        // Bytes that matter to the format: length fields pushed to extremes, JSON delimiters, digits.
        let interesting: [UInt8] = [
          0x00, 0xFF, 0x7F, 0x80, 0x22, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x30, 0x39, 0x5C,
        ]
        mutated[position] = interesting[Int.random(in: 0..<interesting.count, using: &generator)]
      case 2:
        mutated.insert(UInt8.random(in: 0...255, using: &generator), at: position)
      case 3 where position < mutated.count:
        mutated.remove(at: position)
      case 4 where position + 4 <= mutated.count:
        // Swap two nearby bytes, which reorders digits and offsets.
        mutated.swapAt(position, position + Int.random(in: 1...3, using: &generator))
      default:
        mutated = Array(mutated[0..<position])
      }
    }
    return mutated
  }

  @Test func mutationsNeverTrap() throws {
    var generator = SeededGenerator(seed: 0x5AFE_F022)
    let seeds = try seeds()
    var accepted = 0
    var rejected = 0
    for iteration in 0..<6000 {
      let input = mutate(seeds[iteration % seeds.count], using: &generator)
      do throws(TensorIOError) {
        let file = try SafetensorsFile(bytes: input, name: "fuzz.safetensors")
        accepted += 1
        var covered = 0
        for info in file.tensors.sorted(by: { $0.dataOffsets.lowerBound < $1.dataOffsets.lowerBound }) {
          #expect(info.dataOffsets.lowerBound == covered, "iteration \(iteration)")
          covered = info.dataOffsets.upperBound
          let tensor = try file.tensor(named: info.name)
          #expect(tensor.shape == info.shape && tensor.count == Tensor.elementCount(info.shape))
        }
      } catch {
        rejected += 1
        #expect(error.path == "fuzz.safetensors" && !error.reason.isEmpty)
      }
    }
    // Both outcomes occur, so the mutations neither always break nor never touch the files.
    #expect(accepted > 0 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
  }
}
