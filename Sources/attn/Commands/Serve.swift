import ArgumentParser
import AttentionServer
import Dispatch
import Foundation
import TransformerModels

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve a model's attention over HTTP, with a page to draw it.",
    discussion: """
      Loads the model once, then answers GET / (a page with a form), \
      GET /view?text=..&pair=.. (the HTML figure of attn model), \
      POST /api/attention with {"text": "..", "pair": ".."} (the tokens and the \
      attentions, layers × heads × tokens × tokens, as JSON) and GET /healthz. \
      POST /api/attention?format=npy, or with "Accept: application/x-npy", \
      answers the attentions as a float32 .npy file instead, the tokens in \
      the Attention-Tokens header as a JSON array in ASCII. Bodies over \
      64 KiB are refused (413), texts longer than the model reads too \
      (422). A request that fails inside the server (500) is written to \
      standard error as one line; --log writes a line for every request. \
      Stops on SIGINT or SIGTERM.
      """
  )

  @Option(help: "A model folder (default: the fetched all-MiniLM-L6-v2).")
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
    let loaded = try ModelLoader.load(contentsOf: model ?? defaultModelFolder())
    let server = AttentionServer(
      model: loaded, configuration: .init(host: host, port: port, logsRequests: log))
    let host = self.host
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
      do {
        try await server.run { port in
          // Written straight to the descriptor, not buffered, so that a script
          // reading the pipe sees it at once.
          FileHandle.standardOutput.write(Data("listening on http://\(host):\(port)\n".utf8))
        }
      } catch {
        outcome.error = error
      }
      done.signal()
    }
    done.wait()
    if let error = outcome.error { throw CommandError("\(error)") }
  }
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
