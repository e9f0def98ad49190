import TensorIO

extension HTMLRenderer {
  /// The level the page's data is deflated at: level 1 already finds the
  /// long runs that make attention maps small, several times faster than
  /// the default.
  static let compressionLevel: Int32 = 1

  /// The colormap entry of every cell, the one the PNG renderer paints it
  /// with, as byte planes: the most significant byte of every index, then
  /// the next (one plane for tables of up to 256 entries). NaN and infinite
  /// cells get index 0; the page leaves them unpainted.
  ///
  /// - Returns: `planeCount` and `[planeCount, R · C · H · W]` bytes.
  func colorIndexPlanes() -> (planeCount: Int, bytes: [UInt8]) {
    let entryCount = figure.colormap.entryCount
    precondition(entryCount <= 1 << 24, "a colormap of \(entryCount) entries")
    let planeCount = entryCount <= 1 << 8 ? 1 : entryCount <= 1 << 16 ? 2 : 3
    // The PNG renderer's own colouring, over a table whose entries' red,
    // green and blue bytes spell their own index: every pixel then carries
    // the index of the entry the PNG shows, however that is picked.
    let channel = { (byte: Int) in (Double(byte & 0xFF) + 0.5) / 255 }
    let indexTable = (0..<entryCount).map { index in
      RGB(red: channel(index >> 16), green: channel(index >> 8), blue: channel(index))
    }
    let colors = CellColors(colormap: Colormap(name: "indices", table: indexTable))
    let grid = figure.gridShape
    let panelSize = grid.height * grid.width
    let cellCount = grid.rows * grid.columns * panelSize
    var pixels = [UInt32](repeating: 0, count: panelSize)
    var bytes = [UInt8](repeating: 0, count: planeCount * cellCount)
    figure.matrices.scalars.withUnsafeBufferPointer { scalars in
      for panel in layout.panels {
        let start = (panel.row * grid.columns + panel.column) * panelSize
        pixels.withUnsafeMutableBufferPointer { pixels in
          colors.fill(
            pixels.baseAddress!, stride: grid.width,
            values: UnsafeBufferPointer(rebasing: scalars[start..<(start + panelSize)]), height: grid.height,
            width: grid.width, range: panel.valueRange)
        }
        for plane in 0..<planeCount {
          let shift = UInt32(8 * (planeCount - 1 - plane))
          let base = plane * cellCount + start
          for cell in 0..<panelSize {
            bytes[base + cell] = UInt8(truncatingIfNeeded: pixels[cell] >> shift)
          }
        }
      }
    }
    return (planeCount, bytes)
  }

  /// 16-bit codes as two byte planes, all high bytes then all low bytes:
  /// neighbouring weights share their high byte far more often than their
  /// low one, and deflate finds the runs that leaves.
  static func bytePlanes(_ codes: [UInt16]) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 2 * codes.count)
    for (index, code) in codes.enumerated() {
      bytes[index] = UInt8(code >> 8)
      bytes[codes.count + index] = UInt8(truncatingIfNeeded: code)
    }
    return bytes
  }

  /// `bytes` in the zlib format, which the browser's
  /// `DecompressionStream("deflate")` reads.
  static func deflated(_ bytes: [UInt8]) -> [UInt8] {
    guard let compressed = Deflater.compressed(bytes, level: compressionLevel) else {
      preconditionFailure("zlib ran out of memory compressing \(bytes.count) bytes")
    }
    return compressed
  }
}
