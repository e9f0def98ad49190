/// GPT-2's printable spelling of bytes (`bytes_to_unicode`): each of the 256
/// bytes is one scalar, so that a vocabulary of byte strings can be written
/// as text.
///
/// The printable bytes `!`…`~`, `¡`…`¬` and `®`…`ÿ` stand for themselves;
/// the other 68 (controls, space, DEL, NBSP, soft hyphen) take U+0100 on, in
/// byte order: a space is `Ġ` (U+0120), a newline `Ċ` (U+010A).
enum ByteLevelAlphabet {
  /// The scalar that spells each byte.
  static let scalars: [Unicode.Scalar] = {
    var scalars = [Unicode.Scalar](repeating: " ", count: 256)
    var next: UInt32 = 256
    for byte in 0..<256 {
      let printable =
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
      if printable {
        scalars[byte] = Unicode.Scalar(UInt8(byte))
      } else {
        scalars[byte] = Unicode.Scalar(next)!
        next += 1
      }
    }
    return scalars
  }()

  /// The byte a scalar of the alphabet spells, or `nil` for any other scalar.
  static func byte(of scalar: Unicode.Scalar) -> UInt8? {
    let value = scalar.value
    if value < 256 {
      let printable =
        (0x21...0x7E).contains(value) || (0xA1...0xAC).contains(value) || (0xAE...0xFF).contains(value)
      return printable ? UInt8(value) : nil
    }
    guard value < 256 + 68 else { return nil }
    return shiftedBytes[Int(value - 256)]
  }

  /// The bytes spelled by U+0100 to U+0143, in order.
  private static let shiftedBytes: [UInt8] = (0..<256).filter { scalars[$0].value >= 256 }.map(UInt8.init)

  /// The bytes a piece spells, or `nil` if a scalar is not of the alphabet.
  static func bytes(of piece: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(piece.unicodeScalars.count)
    for scalar in piece.unicodeScalars {
      guard let byte = byte(of: scalar) else { return nil }
      bytes.append(byte)
    }
    return bytes
  }
}
