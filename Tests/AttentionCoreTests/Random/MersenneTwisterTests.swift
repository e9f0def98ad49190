import Testing

@testable import AttentionCore

@Suite struct MersenneTwisterTests {
  @Test func tenThousandthOutputOfDefaultSeedIsTheStandardsValue() {
    // The C++ standard ([rand.predef]) requires the 10000th output of a
    // default-constructed std::mt19937 (seed 5489) to be 4123659995.
    var engine = MersenneTwister(seed: 5489)
    var output: UInt32 = 0
    for _ in 0..<10_000 { output = engine.next() }
    #expect(output == 4_123_659_995)
  }

  @Test func seed42StartsLikeStdMt19937() {
    // Printed by std::mt19937(42u) (libstdc++).
    var engine = MersenneTwister(seed: 42)
    #expect([engine.next(), engine.next(), engine.next()] == [1_608_637_542, 3_421_126_067, 4_083_286_876])
  }

  @Test func bulkFillContinuesTheStreamAcrossTwists() {
    let seed = UInt32.random(in: 0...UInt32.max)
    var oneByOne = MersenneTwister(seed: seed)
    var bulk = MersenneTwister(seed: seed)
    let skip = Int.random(in: 0..<700)
    let expected = (0..<(skip + 1500)).map { _ in oneByOne.next() }
    for _ in 0..<skip { _ = bulk.next() }
    var words = [UInt32](repeating: 0, count: 1500)
    words.withUnsafeMutableBufferPointer { bulk.fill($0) }
    #expect(words == Array(expected[skip...]))
    #expect(bulk.next() == oneByOne.next())
  }
}
