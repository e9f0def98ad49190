import Foundation
import Tensors
import Testing

@testable import TensorIO

/// Every truncation of the fixture and seeded random mutations of it: opening either throws a
/// `TensorIOError` or gives a file whose every tensor lies inside the bytes; a trap fails the whole run.
@Suite struct GGUFFuzzTests {
  @Test func everyTruncationIsRefused() throws {
    let whole = try ggufFixtureBytes()
    for length in 0..<whole.count {
      let message = ggufFailure(Array(whole[0..<length]))
      #expect(message?.hasPrefix("bad.gguf: ") == true, "prefix of \(length) bytes: \(message ?? "opened")")
    }
    #expect(ggufFailure(whole) == nil)
  }

  /// Values that matter to the format's fields: counts and lengths at their extremes, type numbers.
  private static let interesting: [UInt64] = [
    0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 16, 31, 32, 33, 63, 64, 255, 256, 2048, 1 << 31, 1 << 32 - 1, 1 << 32,
    1 << 62, 1 << 63, UInt64(Int.max), UInt64.max, UInt64.max - 7,
  ]

  private func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
    var mutated = GGUFBytes(bytes: bytes)
    for _ in 0...Int.random(in: 0..<3, using: &generator) {
      let count = mutated.bytes.count
      let position = Int.random(in: 0...count, using: &generator)
      switch Int.random(in: 0..<7, using: &generator) {
      case 0 where position < count:
        mutated.bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
      case 1 where position < count:
        mutated.bytes[position] =
          [0x00, 0xFF, 0x7F, 0x80, 0xC3, 0x01, 0x09][Int.random(in: 0..<7, using: &generator)]
      case 2, 3:
        // A u64 or u32 field (lengths, counts, dimensions, offsets, types) set to an interesting value,
        // often at a multiple of 4 where GGUFWriter's fields tend to start.
        let size = Bool.random(using: &generator) ? 8 : 4
        let start = Bool.random(using: &generator) ? position & ~3 : position
        guard start + size <= count else { continue }
        let value = Self.interesting[Int.random(in: 0..<Self.interesting.count, using: &generator)]
        mutated.set(
          Bool.random(using: &generator) ? value : value &+ mutated.uint64(at: start) % 64, at: start,
          size: size)
      case 4:
        mutated.bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
      case 5 where position < count:
        mutated.bytes.remove(at: position)
      default:
        mutated.bytes = Array(mutated.bytes[0..<position])
      }
    }
    return mutated.bytes
  }

  @Test func mutationsNeverTrap() throws {
    var generator = SeededGenerator(seed: 0x6607_F022)
    let seed = try ggufFixtureBytes()
    var accepted = 0
    var rejected = 0
    for iteration in 0..<6000 {
      let input = mutate(seed, using: &generator)
      do throws(TensorIOError) {
        let file = try GGUFFile(bytes: input, name: "fuzz.gguf")
        accepted += 1
        var end = 0
        for info in file.tensors.sorted(by: { $0.offset < $1.offset }) {
          #expect(info.offset >= end && info.offset + info.byteCount <= input.count, "iteration \(iteration)")
          #expect(info.offset % file.alignment == 0 && (1...4).contains(info.dimensions.count))
          #expect(file.bytes(of: info).count == info.byteCount)
          end = info.offset + info.byteCount
          if [.f32, .f16, .bf16].contains(info.type) {
            #expect(try file.dequantize(info).shape == info.shape)
          }
        }
        for entry in file.metadata { _ = try? file.integers(entry.key) }
      } catch {
        rejected += 1
        #expect(error.path == "fuzz.gguf" && !error.reason.isEmpty && !error.reason.contains("\n"))
      }
    }
    #expect(accepted > 0 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
  }
}
