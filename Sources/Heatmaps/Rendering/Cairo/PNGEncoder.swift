import CPangoCairo
import CZlib
import TensorIO

/// Writes a Cairo image surface as an 8-bit RGB PNG (ISO/IEC 15948).
///
/// Cairo's own PNG writer compresses at zlib's default level with every
/// filter tried on every row, which took most of the time of a large figure.
/// Heatmaps are flat runs of colour, so zlib's level 3 with the better of the
/// None, Sub and Up filters per row comes within about a tenth of the size in
/// a quarter of the time.
enum PNGEncoder {
  static let compressionLevel: Int32 = 3

  /// The PNG bytes of `surface` (ARGB32); `nil` if zlib fails.
  static func encode(_ surface: OpaquePointer) -> [UInt8]? {
    cairo_surface_flush(surface)
    let width = Int(cairo_image_surface_get_width(surface))
    let height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface))
    guard let data = cairo_image_surface_get_data(surface), width > 0, height > 0 else { return nil }
    let pixels = UnsafeRawPointer(data)

    // Each row: a filter byte, then RGB; of the None, Sub and Up filterings the
    // one with the smallest sum of |byte as signed| is kept (the usual heuristic).
    let rowBytes = width * 3
    var raw = [UInt8](repeating: 0, count: (rowBytes + 1) * height)
    var previous = [UInt8](repeating: 0, count: rowBytes)
    var current = [UInt8](repeating: 0, count: rowBytes)
    for y in 0..<height {
      let row = pixels.advanced(by: y * stride).assumingMemoryBound(to: UInt32.self)
      for x in 0..<width {
        let (red, green, blue) = unpremultiplied(row[x])
        current[3 * x] = red
        current[3 * x + 1] = green
        current[3 * x + 2] = blue
      }
      var costs = (none: 0, sub: 0, up: 0)
      for index in 0..<rowBytes {
        let left = index >= 3 ? current[index - 3] : 0
        costs.none += cost(current[index])
        costs.sub += cost(current[index] &- left)
        costs.up += cost(current[index] &- previous[index])
      }
      let filter: UInt8 =
        costs.sub <= costs.up && costs.sub <= costs.none ? 1 : costs.up <= costs.none ? 2 : 0
      let start = y * (rowBytes + 1)
      raw[start] = filter
      for index in 0..<rowBytes {
        let predictor: UInt8
        switch filter {
        case 1: predictor = index >= 3 ? current[index - 3] : 0
        case 2: predictor = previous[index]
        default: predictor = 0
        }
        raw[start + 1 + index] = current[index] &- predictor
      }
      swap(&previous, &current)
    }
    guard let compressed = Deflater.compressed(raw, level: compressionLevel) else { return nil }

    var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    // IHDR: size, bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
    append(chunk: "IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0], to: &png)
    append(chunk: "IDAT", compressed, to: &png)
    append(chunk: "IEND", [], to: &png)
    return png
  }

  /// Cairo stores premultiplied alpha; figures are painted on white, so
  /// alpha is 255 and this is a plain unpacking, but a transparent pixel
  /// still comes out right.
  private static func unpremultiplied(_ pixel: UInt32) -> (UInt8, UInt8, UInt8) {
    let alpha = pixel >> 24
    let red = (pixel >> 16) & 0xFF
    let green = (pixel >> 8) & 0xFF
    let blue = pixel & 0xFF
    guard alpha != 255 else { return (UInt8(red), UInt8(green), UInt8(blue)) }
    guard alpha != 0 else { return (255, 255, 255) }
    func scaled(_ component: UInt32) -> UInt8 { UInt8(min(255, (component * 255 + alpha / 2) / alpha)) }
    return (scaled(red), scaled(green), scaled(blue))
  }

  private static func cost(_ byte: UInt8) -> Int {
    let signed = Int(Int8(bitPattern: byte))
    return signed < 0 ? -signed : signed
  }

  private static func append(chunk type: String, _ data: [UInt8], to png: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    png += bigEndian(UInt32(data.count))
    png += typeBytes
    png += data
    var crc = crc32(0, nil, 0)
    crc = typeBytes.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
    crc = data.withUnsafeBufferPointer { crc32(crc, $0.baseAddress, uInt($0.count)) }
    png += bigEndian(UInt32(crc))
  }

  private static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
  }
}
