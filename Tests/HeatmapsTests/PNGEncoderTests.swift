import CPangoCairo
import Foundation
import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct PNGEncoderTests {
  /// An image surface of odd size filled by `pixel(x, y)` (ARGB32, premultiplied).
  private func surface(width: Int, height: Int, _ pixel: (Int, Int) -> UInt32) -> OpaquePointer {
    let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))!
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let data = UnsafeMutableRawPointer(cairo_image_surface_get_data(surface)!)
      .assumingMemoryBound(to: UInt32.self)
    for y in 0..<height {
      for x in 0..<width { data[y * stride + x] = pixel(x, y) }
    }
    cairo_surface_mark_dirty(surface)
    return surface
  }

  /// Our PNG read back by Cairo's (libpng's) reader, pixel by pixel.
  private func decoded(_ png: [UInt8]) throws -> (width: Int, height: Int, pixel: (Int, Int) -> UInt32) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString).png")
      .path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(png).write(to: URL(fileURLWithPath: path))
    let surface = cairo_image_surface_create_from_png(path)!
    #expect(cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS)
    let width = Int(cairo_image_surface_get_width(surface))
    let height = Int(cairo_image_surface_get_height(surface))
    let stride = Int(cairo_image_surface_get_stride(surface)) / 4
    let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!).assumingMemoryBound(to: UInt32.self)
    var pixels = [UInt32](repeating: 0, count: width * height)
    for y in 0..<height {
      for x in 0..<width { pixels[y * width + x] = data[y * stride + x] }
    }
    cairo_surface_destroy(surface)
    return (width, height, { x, y in pixels[y * width + x] })
  }

  @Test func opaqueImagesRoundTripExactly() throws {
    var generator = SeededGenerator(seed: 51)
    // Noise, flat runs and gradients, so every filter gets chosen somewhere.
    let noise = (0..<(37 * 23)).map { _ in UInt32.random(in: 0...0xFF_FFFF, using: &generator) }
    let image = surface(width: 37, height: 23) { x, y in
      let rgb: UInt32 =
        switch y % 3 {
        case 0: noise[y * 37 + x]
        case 1: 0x00C0_1020
        default: UInt32(x * 6) << 16 | UInt32(y * 9) << 8 | UInt32((x + y) % 256)
        }
      return 0xFF00_0000 | rgb
    }
    defer { cairo_surface_destroy(image) }
    let png = try #require(PNGEncoder.encode(image))
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    let back = try decoded(png)
    #expect(back.width == 37 && back.height == 23)
    for y in 0..<23 {
      for x in 0..<37 {
        let expected =
          0xFF00_0000
          | (y % 3 == 0
            ? noise[y * 37 + x]
            : y % 3 == 1 ? 0x00C0_1020 : UInt32(x * 6) << 16 | UInt32(y * 9) << 8 | UInt32((x + y) % 256))
        #expect(back.pixel(x, y) == expected, "pixel (\(x), \(y))")
      }
    }
  }

  /// Transparent pixels come out as white and half-covered ones un-premultiplied.
  @Test func translucentPixelsAreUnpremultiplied() throws {
    let image = surface(width: 3, height: 1) { x, _ in [0x0000_0000, 0x8040_2010, 0xFFFF_FFFF][x] }
    defer { cairo_surface_destroy(image) }
    let back = try decoded(try #require(PNGEncoder.encode(image)))
    #expect(back.pixel(0, 0) == 0xFFFF_FFFF)
    // 0x40, 0x20, 0x10 at alpha 0x80: each × 255 / 128, rounded.
    #expect(back.pixel(1, 0) == 0xFF80_4020)
    #expect(back.pixel(2, 0) == 0xFFFF_FFFF)
  }
}
