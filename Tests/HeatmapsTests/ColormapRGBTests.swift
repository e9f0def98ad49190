import Testing

@testable import HeatmapLayout
@testable import Heatmaps

@Suite struct ColormapRGBTests {
  @Test("bytes truncate component * 255 as numpy's astype(uint8) does")
  func bytesTruncate() {
    // (x * 255).astype(uint8) in NumPy 2.4 for x = 0.5, 0.999, 1/255, nextafter(1/255, 0):
    // 127, 254, 1, 0 (truncation, not rounding: 127.5 -> 127, 254.745 -> 254).
    let color = RGB(red: 0.5, green: 0.999, blue: 1.0 / 255)
    #expect(color.bytes == (127, 254, 1) as (UInt8, UInt8, UInt8))
    #expect(RGB(red: (1.0 / 255).nextDown, green: 1, blue: 0).bytes == (0, 255, 0) as (UInt8, UInt8, UInt8))
  }

  @Test("bytes clamp out-of-range components and treat NaN as 0 instead of trapping")
  func bytesClamp() {
    let color = RGB(red: -0.2, green: 1.7, blue: .nan)
    #expect(color.bytes == (0, 255, 0) as (UInt8, UInt8, UInt8))
    #expect(RGB(red: .infinity, green: -.infinity, blue: 1).bytes == (255, 0, 255) as (UInt8, UInt8, UInt8))
  }

  @Test("relative luminance matches WCAG's published values")
  func relativeLuminanceMatchesWCAG() {
    #expect(RGB.black.relativeLuminance == 0)
    #expect(abs(RGB.white.relativeLuminance - 1) <= 1e-15)
    #expect(abs(RGB(red: 1, green: 0, blue: 0).relativeLuminance - 0.2126) <= 1e-15)
    #expect(abs(RGB(red: 0, green: 1, blue: 0).relativeLuminance - 0.7152) <= 1e-15)
    #expect(abs(RGB(red: 0, green: 0, blue: 1).relativeLuminance - 0.0722) <= 1e-15)
    // #808080: 0.2158605 (the linearised sRGB value of 128/255).
    let grey = 128.0 / 255
    #expect(abs(RGB(red: grey, green: grey, blue: grey).relativeLuminance - 0.2158605) <= 1e-7)
    // Below the linear-segment threshold the curve is x / 12.92.
    let dark = 10.0 / 255
    #expect(abs(RGB(red: dark, green: dark, blue: dark).relativeLuminance - dark / 12.92) <= 1e-15)
  }

  @Test("contrast ratios match the WCAG figures people quote")
  func contrastRatios() {
    #expect(abs(RGB.black.contrastRatio(to: .white) - 21) <= 1e-12)
    #expect(RGB.white.contrastRatio(to: .white) == 1)
    // #767676 on white is the lightest grey that passes AA (4.54:1); #777777 fails (4.48:1).
    let passes = 0x76 / 255.0
    let fails = 0x77 / 255.0
    let passing = RGB(red: passes, green: passes, blue: passes).contrastRatio(to: .white)
    let failing = RGB(red: fails, green: fails, blue: fails).contrastRatio(to: .white)
    #expect((passing * 100).rounded() / 100 == 4.54)
    #expect((failing * 100).rounded() / 100 == 4.48)
    #expect(RGB.white.contrastRatio(to: RGB(red: passes, green: passes, blue: passes)) == passing)
  }

  @Test("annotation text is dark on light cells and light on dark cells")
  func legibleTextColor() {
    #expect(Colormap.reds.color(at: 0).legibleTextColor() == .black)
    #expect(Colormap.reds.color(at: 1).legibleTextColor() == .white)
    #expect(Colormap.viridis.color(at: 0).legibleTextColor() == .white)
    #expect(Colormap.viridis.color(at: 1).legibleTextColor() == .black)
    let navy = RGB(red: 0, green: 0, blue: 0.5)
    let cream = RGB(red: 1, green: 0.98, blue: 0.9)
    #expect(RGB(red: 0.1, green: 0.1, blue: 0.1).legibleTextColor(dark: navy, light: cream) == cream)
    #expect(RGB(red: 0.9, green: 0.9, blue: 0.9).legibleTextColor(dark: navy, light: cream) == navy)
  }
}
