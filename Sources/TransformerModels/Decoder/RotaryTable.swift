import Foundation

/// cos and sin of every position's rotation angles, `θᵢ = base^(−2i/d)`,
/// computed as Hugging Face's rotary embedding does (inverse frequencies
/// and their products with the position in Float32).
///
/// Legend: `T` positions, `d` head width.
struct RotaryTable {
  let half: Int
  let layout: LlamaConfig.RotaryLayout
  /// `[T, d/2]` each.
  let cosines: [Float]
  let sines: [Float]

  init(headSize size: Int, base: Double, layout: LlamaConfig.RotaryLayout, positions: Range<Int>) {
    half = size / 2
    self.layout = layout
    let base = Float(base)
    let inverse = (0..<half).map { 1 / powf(base, Float(2 * $0) / Float(size)) }
    var cosines: [Float] = []
    var sines: [Float] = []
    cosines.reserveCapacity(positions.count * half)
    sines.reserveCapacity(positions.count * half)
    for position in positions {
      for pair in 0..<half {
        let angle = Double(Float(position) * inverse[pair])
        cosines.append(Float(cos(angle)))
        sines.append(Float(sin(angle)))
      }
    }
    self.cosines = cosines
    self.sines = sines
  }

  /// Rotates the `d` features at `offset` of `vector` by token `token`'s angles.
  ///
  /// Interleaved pairs rotate features `2i` and `2i + 1` (GGUF's permuted
  /// Q and K); halves rotate `i` and `i + d/2` (Hugging Face's `rotate_half`).
  func rotate(_ vector: inout [Float], at offset: Int, token: Int) {
    precondition(offset >= 0 && offset + 2 * half <= vector.count, "rotation past the vector's end")
    vector.withUnsafeMutableBufferPointer { rotate($0.baseAddress! + offset, token: token) }
  }

  /// Rotates the `d` features at `features` by token `token`'s angles.
  func rotate(_ features: UnsafeMutablePointer<Float>, token: Int) {
    cosines.withUnsafeBufferPointer { cosines in
      sines.withUnsafeBufferPointer { sines in
        let base = token * half
        precondition(base + half <= cosines.count, "token \(token) past the rotary table")
        if layout == .interleavedPairs {
          for pair in 0..<half {
            let (c, s) = (cosines[base + pair], sines[base + pair])
            let (x, y) = (features[2 * pair], features[2 * pair + 1])
            features[2 * pair] = x * c - y * s
            features[2 * pair + 1] = y * c + x * s
          }
        } else {
          for pair in 0..<half {
            let (c, s) = (cosines[base + pair], sines[base + pair])
            let (x, y) = (features[pair], features[pair + half])
            features[pair] = x * c - y * s
            features[pair + half] = y * c + x * s
          }
        }
      }
    }
  }
}
