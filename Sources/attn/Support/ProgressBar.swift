import Foundation

/// A one-line progress bar on standard error, drawn only when standard error
/// is a terminal, so logs and pipes get no control characters.
final class ProgressBar {
  private let total: Int
  private let enabled: Bool
  private var done = 0

  init(total: Int, enabled: Bool) {
    self.total = total
    self.enabled = enabled && isatty(STDERR_FILENO) == 1
  }

  func advance() { update(done: done + 1) }

  /// Draws the bar with `done` of the total finished.
  func update(done: Int) {
    self.done = done
    guard enabled else { return }
    let width = 30
    let filled = total > 0 ? width * done / total : width
    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
    FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total)".utf8))
  }

  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }
}
