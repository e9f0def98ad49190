import ArgumentParser
import Foundation

@main
struct Attn: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attn",
    abstract: "Compute attention and draw it as heatmaps.",
    version: "0.1.0",
    subcommands: [Demo.self, Heatmap.self, Attend.self, Tokenize.self, Model.self, Atlas.self, Compare.self, Ablate.self, Generate.self, Serve.self, Bench.self]
  )

  /// Runs the command line, turning every failure into one `error:` line.
  ///
  /// Usage mistakes exit with status 64 (EX_USAGE); a bad file or a failed
  /// computation exits with 1. Help and version requests print as usual.
  static func main() {
    let command: ParsableCommand
    do {
      command = try parseAsRoot()
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        exit(withError: error)
      }
      reportError(message(for: error) + "; see 'attn --help'", status: 64)
    }
    do {
      var runnable = command
      try runnable.run()
    } catch {
      // Help, version and clean exits arrive here too, as errors the
      // argument parser knows how to print.
      switch exitCode(for: error) {
      case .success: exit(withError: error)
      case .validationFailure: reportError(message(for: error), status: 64)
      default: reportError(String(describing: error), status: 1)
      }
    }
  }

  private static func reportError(_ message: String, status: Int32) -> Never {
    let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
    var text = oneLine
    if let first = text.first, first.isUppercase, !text.dropFirst().prefix(1).contains(where: \.isUppercase) {
      text = first.lowercased() + text.dropFirst()
    }
    FileHandle.standardError.write(Data("error: \(text)\n".utf8))
    Foundation.exit(status)
  }
}
