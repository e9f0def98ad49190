import ArgumentParser
import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a BERT model's attention over HTTP, with a page to draw it.",
    discussion: """
      Loads the model once, then answers GET / (a page with a form), \
      GET /view?text=..&pair=.. (the HTML figure of attn model), \
      POST /api/attention with {"text": "..", "pair": ".."} (the tokens and the \
      attentions, layers × heads × tokens × tokens, as JSON) and GET /healthz. \
      POST /api/attention?format=npy, or with "Accept: application/x-npy", \
      answers the attentions as a float32 .npy file instead, the tokens in \
      the Attention-Tokens header as a JSON array in ASCII. Bodies over \
      64 KiB are refused (413), texts longer than the model's positions too \
      (422). A request that fails inside the server (500) is written to \
      standard error as one line; --log writes a line for every request. \
      Stops on SIGINT or SIGTERM.
      """
  )

  @Option(help: "A Hugging Face BERT folder (default: the fetched all-MiniLM-L6-v2).")
  var model: String?

  @Option(help: "The address to listen on.")
  var host = "127.0.0.1"

  @Option(help: "The port to listen on.")
  var port = 8080

  @Flag(
    help: "Write a line to standard error for every request: time, status, method, path, milliseconds, bytes."
  )
  var log = false

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port \(port): must be 0...65535") }
  }

  func run() throws {
    let folder = model ?? defaultModelFolder()
    let service = try naming(folder) { try AttentionService(folder: folder) }
    var logger = Logger(label: "attn.serve")
    // Failures reach the user as one `error:` line; the server's own log
    // would repeat them over several.
    logger.logLevel = .critical
    let address = "\(host):\(port)"
    let started = StartFlag()
    let app = Application(
      router: makeServeRouter(service: service, log: ServeLog(logsRequests: log)),
      configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
      onServerRunning: { channel in
        started.set()
        let port = channel.localAddress?.port ?? 0
        // Written straight to the descriptor, not buffered, so that a script
        // reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
      },
      logger: logger)
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
      do {
        try await app.runService()
      } catch {
        outcome.error = error
      }
      done.signal()
    }
    done.wait()
    if let error = outcome.error {
      if !started.isSet {
        throw CommandError("cannot listen on \(address): \(Self.describe(listenError: error))")
      }
      throw CommandError("\(address): \(error)")
    }
  }
}

extension Serve {
  /// A system call's failure as the C library words it ("Address already in
  /// use"), without NIO's name of the call; anything else as it describes itself.
  static func describe(listenError error: any Error) -> String {
    if let failure = error as? IOError {
      return String(cString: strerror(failure.errnoCode))
    }
    return "\(error)"
  }
}

/// Whether the server got as far as listening.
private final class StartFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}

/// What the server's task ended with, read after it has signalled.
private final class Outcome: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: (any Error)?

  var error: (any Error)? {
    get { lock.withLock { stored } }
    set { lock.withLock { stored = newValue } }
  }
}
