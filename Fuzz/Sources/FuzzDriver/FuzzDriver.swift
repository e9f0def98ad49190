import CFuzzerDriver
import Foundation

/// Runs libFuzzer with the process's arguments on `harness`, one call per
/// input, and exits with libFuzzer's status.
///
/// SwiftPM gives an executable a `main` of its own, so the harnesses start
/// libFuzzer's driver from it rather than take libFuzzer's `main`.
public func runFuzzer(_ harness: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
  var count = CommandLine.argc
  var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
  exit(LLVMFuzzerRunDriver(&count, &arguments, harness))
}
