import Foundation
import Testing

/// The outcome of one run of the `attn` binary.
struct AttnRun {
  let status: Int32
  let terminatedBySignal: Bool
  let stdout: String
  let stderr: String

  /// The lines written to standard error.
  var errorLines: [Substring] { stderr.split(separator: "\n") }
}

/// Where the `attn` executable is: `$ATTN_BIN`, or beside the test bundle,
/// where `swift build` puts the package's products.
func attnExecutable() throws -> URL {
  if let path = ProcessInfo.processInfo.environment["ATTN_BIN"], !path.isEmpty {
    return URL(fileURLWithPath: path)
  }
  var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for _ in 0..<4 {
    let candidate = folder.appendingPathComponent("attn")
    if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    folder = folder.deletingLastPathComponent()
  }
  throw AttnNotFound()
}

struct AttnNotFound: Error, CustomStringConvertible {
  var description: String { "attn binary not found: run `swift build` first or set ATTN_BIN" }
}

/// Runs `attn` with `arguments` in `directory` and collects what it prints.
func runAttn(_ arguments: [String], in directory: URL) throws -> AttnRun {
  let process = Process()
  process.executableURL = try attnExecutable()
  process.arguments = arguments
  process.currentDirectoryURL = directory
  let stdoutPipe = Pipe()
  let stderrPipe = Pipe()
  process.standardOutput = stdoutPipe
  process.standardError = stderrPipe
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Read both pipes before waiting, so a large output cannot block the child.
  let outData = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
  let errData = stderrPipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return AttnRun(
    status: process.terminationStatus,
    terminatedBySignal: process.terminationReason == .uncaughtSignal,
    stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData, as: UTF8.self))
}

/// A fresh empty folder for one test.
func makeScratchFolder() throws -> URL {
  let folder = FileManager.default.temporaryDirectory
    .appendingPathComponent("attn-cli-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// The bytes of a version 1.0 `.npy` file with the given header dictionary
/// and payload, padded as NumPy pads it; tests bend either part to make
/// hostile files.
func npyBytes(header: String, payload: [UInt8], declaredHeaderLength: Int? = nil) -> [UInt8] {
  var dictionary = header
  let unpadded = 10 + dictionary.utf8.count + 1
  dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
  let length = declaredHeaderLength ?? dictionary.utf8.count
  var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
  bytes += [UInt8(length & 0xff), UInt8((length >> 8) & 0xff)]
  bytes += Array(dictionary.utf8)
  bytes += payload
  return bytes
}

/// Little-endian float32 bytes of `values`.
func float32Bytes(_ values: [Float]) -> [UInt8] {
  values.flatMap { value -> [UInt8] in
    let bits = value.bitPattern
    return [UInt8(bits & 0xff), UInt8((bits >> 8) & 0xff), UInt8((bits >> 16) & 0xff), UInt8(bits >> 24)]
  }
}

/// Checks the shape of every failure the CLI reports: one `error:` line that
/// names `file`, the given status, no signal, and nothing on standard output.
func expectOneLineError(
  _ run: AttnRun, naming file: String, mentioning detail: String? = nil, status: Int32 = 1,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(!run.terminatedBySignal, "attn died of a signal: \(run.stderr)", sourceLocation: sourceLocation)
  #expect(run.status == status, "status \(run.status), stderr: \(run.stderr)", sourceLocation: sourceLocation)
  #expect(run.errorLines.count == 1, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
  #expect(run.stderr.hasPrefix("error: "), "stderr: \(run.stderr)", sourceLocation: sourceLocation)
  #expect(
    run.stderr.contains(file), "stderr does not name \(file): \(run.stderr)", sourceLocation: sourceLocation)
  if let detail {
    #expect(
      run.stderr.lowercased().contains(detail.lowercased()), "stderr lacks \"\(detail)\": \(run.stderr)",
      sourceLocation: sourceLocation)
  }
}
