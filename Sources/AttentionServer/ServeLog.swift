import Foundation
import Hummingbird

/// The lines `attn serve` writes to standard error while it runs: one for
/// every request that fails inside the server (a 5xx answer), and with
/// `--log` one for every request.
///
/// Each is a single line: the time (UTC), the status, the method and the
/// path without its query (a query holds the user's text), then the error
/// or the time taken and the bytes sent. Hummingbird's own log stays at
/// `.critical`, so a server that cannot start says so in one `error:` line.
final class ServeLog: Sendable {
  /// Whether every request gets a line, not only failures.
  let logsRequests: Bool
  private let lock = NSLock()
  private let output: @Sendable (Data) -> Void

  /// - Parameter output: where the lines go, each ending in a newline;
  ///   standard error unless a test reads them.
  init(
    logsRequests: Bool,
    output: @escaping @Sendable (Data) -> Void = { FileHandle.standardError.write($0) }
  ) {
    self.logsRequests = logsRequests
    self.output = output
  }

  /// `2026-01-31T12:00:00.000Z 500 POST /api/attention: what went wrong`.
  func failure(_ request: Request, status: HTTPResponse.Status, message: String) {
    write("\(Self.now()) \(status.code) \(Self.describe(request)): \(Self.oneLine(message))")
  }

  /// `2026-01-31T12:00:00.000Z 200 POST /api/attention 18.4 ms 14874213 bytes`, and the
  /// error when the body could not be sent to the end.
  func finished(
    _ request: Request, status: HTTPResponse.Status, seconds: Double, bytes: Int, error: (any Error)? = nil
  ) {
    var line = "\(Self.now()) \(status.code) \(Self.describe(request)) "
    line += String(format: "%.1f ms %d bytes", seconds * 1000, bytes)
    if let error { line += " (not sent to the end: \(Self.oneLine(String(describing: error))))" }
    write(line)
  }

  private func write(_ line: String) {
    let data = Data((line + "\n").utf8)
    lock.withLock { output(data) }
  }

  private static func now() -> String {
    Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
  }

  /// The method and the path, bytes outside printable ASCII percent-encoded
  /// so that a hostile path cannot break or forge a line.
  private static func describe(_ request: Request) -> String {
    var path = ""
    for byte in request.uri.path.utf8 {
      if byte > 0x20 && byte < 0x7F {
        path.unicodeScalars.append(Unicode.Scalar(byte))
      } else {
        path += String(format: "%%%02X", byte)
      }
    }
    return "\(request.method) \(path.isEmpty ? "/" : path)"
  }

  private static func oneLine(_ text: String) -> String {
    String(
      String.UnicodeScalarView(
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
  }
}
