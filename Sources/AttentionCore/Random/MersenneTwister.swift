/// The 32-bit Mersenne Twister MT19937 of Matsumoto and Nishimura.
///
/// Seeded with the reference `init_genrand` recurrence, so the stream equals
/// C++'s `std::mt19937(seed)` and the engine inside PyTorch's CPU generator.
public struct MersenneTwister: Sendable, Equatable {
  private static let stateSize = 624
  private static let shift = 397
  private static let matrixA: UInt32 = 0x9908_B0DF
  private static let upperMask: UInt32 = 0x8000_0000
  private static let lowerMask: UInt32 = 0x7FFF_FFFF

  private var state: [UInt32]  // (624,) the twisted words
  private var index: Int  // next word of `state` to temper; 624 means "twist first"

  /// Creates a generator from a 32-bit seed (`init_genrand`).
  public init(seed: UInt32) {
    var state = [UInt32](repeating: 0, count: Self.stateSize)
    state[0] = seed
    for i in 1..<Self.stateSize {
      let previous = state[i - 1]
      state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
    }
    self.state = state
    self.index = Self.stateSize
  }

  /// The next 32-bit output.
  public mutating func next() -> UInt32 {
    if index >= Self.stateSize { twist() }
    var y = state[index]
    index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    y ^= y >> 18
    return y
  }

  /// Fills `output` with the next `output.count` outputs, the same words
  /// `next()` would return one by one.
  public mutating func fill(_ output: UnsafeMutableBufferPointer<UInt32>) {
    var filled = 0
    while filled < output.count {
      if index >= Self.stateSize { twist() }
      let take = min(Self.stateSize - index, output.count - filled)
      state.withUnsafeBufferPointer { words in
        for i in 0..<take {
          var y = words[index + i]
          y ^= y >> 11
          y ^= (y << 7) & 0x9D2C_5680
          y ^= (y << 15) & 0xEFC6_0000
          y ^= y >> 18
          output[filled + i] = y
        }
      }
      index += take
      filled += take
    }
  }

  /// Regenerates all 624 words at once, as the reference implementation does.
  private mutating func twist() {
    let n = Self.stateSize
    state.withUnsafeMutableBufferPointer { words in
      for k in 0..<n {
        let y = (words[k] & Self.upperMask) | (words[(k + 1) % n] & Self.lowerMask)
        let mixed = (y >> 1) ^ ((y & 1) == 0 ? 0 : Self.matrixA)
        words[k] = words[(k + Self.shift) % n] ^ mixed
      }
    }
    index = 0
  }
}
