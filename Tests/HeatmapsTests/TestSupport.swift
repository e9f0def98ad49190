import Tensors
import Heatmaps

/// A seeded generator (SplitMix64) so failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// A tensor of uniform random values in `range`.
func randomTensor(_ shape: [Int], in range: ClosedRange<Float> = 0...1, seed: UInt64) -> Tensor {
  var generator = SeededGenerator(seed: seed)
  let count = shape.reduce(1, *)
  return Tensor(shape: shape, scalars: (0..<count).map { _ in Float.random(in: range, using: &generator) })
}

/// A rectangle as matplotlib reports positions: figure fractions
/// `[x0, y0, x1, y1]`, y measured up from the bottom.
func figureFractions(_ rect: Rect, in layout: FigureLayout) -> [Double] {
  [
    rect.minX / layout.width, 1 - rect.maxY / layout.height,
    rect.maxX / layout.width, 1 - rect.minY / layout.height,
  ]
}

func isClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// Whether the two rectangles are at least `gap` apart horizontally or vertically.
func isSeparated(_ a: Rect, _ b: Rect) -> Bool {
  !a.intersects(b)
}
