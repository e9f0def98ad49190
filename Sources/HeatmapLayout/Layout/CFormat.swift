#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `printf`-style formatting, for number formats that must match matplotlib's
/// `'%1.2f' % x` digit for digit.
package func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
  withVaList(arguments) { list in
    var buffer = [CChar](repeating: 0, count: 64)
    let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
    guard needed >= buffer.count else {
      return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    buffer = [CChar](repeating: 0, count: needed + 1)
    return withVaList(arguments) { retry in
      _ = vsnprintf(&buffer, buffer.count, format, retry)
      return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
  }
}

/// Replaces ASCII hyphens by the typographic minus sign, as matplotlib's
/// `axes.unicode_minus` does.
package func typographicMinus(_ text: String) -> String {
  String(text.map { $0 == "-" ? "\u{2212}" : $0 })
}
