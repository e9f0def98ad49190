extension NumPyDType {
  /// Converts `count` little-endian elements of this type at the start of
  /// `raw` to `Float`; `raw` need not be aligned. Safetensors shares it for the
  /// types both formats store.
  func decode(_ raw: UnsafeRawBufferPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
    func each<T: FixedWidthInteger>(_: T.Type, _ transform: (T) -> Float) {
      for index in 0..<count {
        let value = T(
          littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
        output[index] = transform(value)
      }
    }
    switch self {
    case .float16: each(UInt16.self) { NumPyArray.halfToFloat($0) }
    case .float32:
      #if _endian(little)
        if count > 0 {
          UnsafeMutableRawPointer(output).copyMemory(from: raw.baseAddress!, byteCount: 4 * count)
        }
      #else
        each(UInt32.self) { Float(bitPattern: $0) }
      #endif
    case .float64: each(UInt64.self) { Float(Double(bitPattern: $0)) }
    case .int8: each(Int8.self) { Float($0) }
    case .int16: each(Int16.self) { Float($0) }
    case .int32: each(Int32.self) { Float($0) }
    case .int64: each(Int64.self) { Float($0) }
    case .uint8: each(UInt8.self) { Float($0) }
    case .uint16: each(UInt16.self) { Float($0) }
    case .uint32: each(UInt32.self) { Float($0) }
    case .uint64: each(UInt64.self) { Float($0) }
    case .bool: each(UInt8.self) { $0 == 0 ? 0 : 1 }
    }
  }
}
