extension SafetensorsFile {
  /// Converts little-endian elements of `dtype` to `Float`.
  ///
  /// - Precondition: `raw.count` is a multiple of the dtype's size.
  static func convert(_ raw: UnsafeRawBufferPointer, dtype: SafetensorsDType) -> [Float] {
    let count = raw.count / dtype.byteCount
    return [Float](unsafeUninitializedCapacity: count) { output, initialized in
      func each<T: FixedWidthInteger>(_: T.Type, _ transform: (T) -> Float) {
        for index in 0..<count {
          let value = T(
            littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
          output[index] = transform(value)
        }
      }
      switch dtype {
      // bfloat16 is the top half of a float32, so widening is exact.
      case .bfloat16: each(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
      // E5M2 is the top byte of a binary16.
      case .float8E5M2: each(UInt8.self) { NumPyArray.halfToFloat(UInt16($0) << 8) }
      case .float8E4M3: each(UInt8.self) { float8E4M3ToFloat($0) }
      default: dtype.numpyEquivalent!.decode(raw, count: count, into: output.baseAddress!)
      }
      initialized = count
    }
  }

  /// The OCP "E4M3FN" 8-bit float (PyTorch's `float8_e4m3fn`): bias 7, no
  /// infinities, and only S.1111.111 is NaN.
  static func float8E4M3ToFloat(_ bits: UInt8) -> Float {
    let sign: Float = bits & 0x80 == 0 ? 1 : -1
    let exponent = Int(bits >> 3 & 0xF)
    let mantissa = Float(bits & 0x7)
    if exponent == 0xF && bits & 0x7 == 0x7 { return .nan }
    if exponent == 0 { return sign * mantissa * 0x1p-9 }
    return sign * (8 + mantissa) * Float(sign: .plus, exponent: exponent - 10, significand: 1)
  }
}
