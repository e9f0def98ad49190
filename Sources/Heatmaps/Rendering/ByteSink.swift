import CPangoCairo

/// Collects what a Cairo surface writes to a stream.
final class ByteSink {
  var bytes: [UInt8] = []

  /// A `cairo_write_func_t` that appends to the `ByteSink` passed as closure.
  static let write: cairo_write_func_t = { closure, data, length in
    let sink = Unmanaged<ByteSink>.fromOpaque(closure!).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
  }
}
