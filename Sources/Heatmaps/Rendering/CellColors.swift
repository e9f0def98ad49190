import Tensors

/// The colours of cells as 32-bit pixels in Cairo's ARGB32 layout
/// (premultiplied alpha, native byte order): a panel's image is built here,
/// one colormap lookup per cell, and scaled onto the figure by Cairo.
struct CellColors {
  /// The colormap's entries as opaque pixels.
  let entries: [UInt32]

  init(colormap: Colormap) {
    entries = colormap.table.map { color in
      let (red, green, blue) = color.bytes
      return 0xFF00_0000 | UInt32(red) << 16 | UInt32(green) << 8 | UInt32(blue)
    }
  }

  /// The pixel of `value` in `range`: the colormap's entry floor(x · N) for
  /// x = (value - lower) / (upper - lower) in float32 as matplotlib computes
  /// it (`ValueRange.normalized(_: Float)`), clamped to the table as
  /// `Colormap.color(at:)` does; transparent for NaN and infinities, which
  /// are drawn as missing.
  @inline(__always)
  func pixel(_ value: Float, in range: ValueRange) -> UInt32 {
    guard value.isFinite else { return 0 }
    let scaled = Double(range.normalized(value)) * Double(entries.count)
    let index: Int
    if scaled.isNaN || scaled < 0 {
      index = 0
    } else if scaled >= Double(entries.count) {
      index = entries.count - 1
    } else {
      index = Int(scaled)
    }
    return entries[index]
  }

  /// Fills `pixels`, `stride` pixels per row, with the colours of a matrix.
  ///
  /// - Parameters:
  ///   - values: `[H, W]`, row-major.
  ///   - pixels: at least `H × stride` pixels.
  func fill(
    _ pixels: UnsafeMutablePointer<UInt32>, stride: Int, values: UnsafeBufferPointer<Float>, height: Int,
    width: Int, range: ValueRange
  ) {
    for row in 0..<height {
      let source = row * width
      let destination = pixels + row * stride
      for column in 0..<width {
        destination[column] = pixel(values[source + column], in: range)
      }
    }
  }
}
