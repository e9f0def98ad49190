import CPangoCairo

/// Collects what a Cairo surface writes to a stream, through `write`.
final class CairoStreamCollector {
  var bytes: [UInt8] = []

  /// A `cairo_write_func_t` that appends to the `CairoStreamCollector` passed as closure.
  static let write: cairo_write_func_t = { closure, data, length in
    let collector = Unmanaged<CairoStreamCollector>.fromOpaque(closure!).takeUnretainedValue()
    collector.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
  }
}
