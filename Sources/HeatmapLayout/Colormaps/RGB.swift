/// An sRGB colour with components in 0...1.
public struct RGB: Sendable, Equatable, Hashable {
  public var red: Double
  public var green: Double
  public var blue: Double

  public init(red: Double, green: Double, blue: Double) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  public static let black = RGB(red: 0, green: 0, blue: 0)
  public static let white = RGB(red: 1, green: 1, blue: 1)

  /// The colour as 8-bit components, truncated as matplotlib does when it
  /// converts a colormap's lookup table to bytes (`(lut * 255).astype(uint8)`).
  ///
  /// Components outside 0...1 are clamped first and NaN counts as 0, so a
  /// colour built by hand can't trap here.
  public var bytes: (red: UInt8, green: UInt8, blue: UInt8) {
    (Self.byte(red), Self.byte(green), Self.byte(blue))
  }

  private static func byte(_ component: Double) -> UInt8 {
    // `!(x > 0)` also catches NaN.
    guard component > 0 else { return 0 }
    guard component < 1 else { return 255 }
    return UInt8(component * 255)
  }
}
