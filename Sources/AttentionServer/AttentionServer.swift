import Foundation
import Hummingbird
import Logging
import NIOCore
import TransformerModels

/// An HTTP server of one model's attention: a page to draw it, the HTML
/// figure, and the attentions as JSON or `.npy`.
///
/// Routes: `GET /` (a form page), `GET /view?text=..&pair=..` (the HTML
/// figure of `attn model`), `POST /api/attention` with `{"text", "pair"}`
/// (`{"tokens", "attentions"}`, layers × heads × tokens × tokens; `?format=npy`
/// or `Accept: application/x-npy` for float32 `.npy` with the tokens in the
/// `Attention-Tokens` header) and `GET /healthz`. Bodies over 64 KiB are
/// refused with 413, texts longer than the model reads with 422. No route
/// reads a file.
///
/// ```swift
/// let server = AttentionServer(model: try ModelLoader.load(contentsOf: folder))
/// try await server.run { port in print("listening on \(port)") }
/// ```
public struct AttentionServer: Sendable {
  /// Where to listen, and what to write to standard error.
  public struct Configuration: Sendable {
    /// The address to listen on; loopback by default.
    public var host: String
    /// The port; 0 lets the system choose one.
    public var port: Int
    /// Whether every request gets a line on standard error, not only failures.
    public var logsRequests: Bool

    public init(host: String = "127.0.0.1", port: Int = 8080, logsRequests: Bool = false) {
      self.host = host
      self.port = port
      self.logsRequests = logsRequests
    }
  }

  let service: AttentionService
  public let configuration: Configuration

  public init(model: any AttentionModel, configuration: Configuration = Configuration()) {
    service = AttentionService(model: model)
    self.configuration = configuration
  }

  /// The routes, for a server or an in-process test client.
  func makeRouter(
    gate: AnswerGate = .perCore(), log: ServeLog? = nil
  ) -> Router<BasicRequestContext> {
    makeServeRouter(
      service: service, log: log ?? ServeLog(logsRequests: configuration.logsRequests), gate: gate)
  }

  /// Listens and answers until the process gets SIGINT or SIGTERM.
  ///
  /// - Parameter onListening: called once with the port listened on.
  /// - Throws: `AttentionServerError` when the address cannot be listened on
  ///   (its description in the C library's words, e.g. "Address already in
  ///   use") or the server stops on an error.
  public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in })
    async throws(AttentionServerError)
  {
    var logger = Logger(label: "attn.serve")
    // Failures reach the user as one line; the server's own log would
    // repeat them over several.
    logger.logLevel = .critical
    let started = StartFlag()
    let app = Application(
      router: makeRouter(),
      configuration: ApplicationConfiguration(
        address: .hostname(configuration.host, port: configuration.port), serverName: nil),
      onServerRunning: { channel in
        started.set()
        onListening(channel.localAddress?.port ?? 0)
      },
      logger: logger)
    do {
      try await app.runService()
    } catch {
      let address = "\(configuration.host):\(configuration.port)"
      if !started.isSet {
        throw AttentionServerError("cannot listen on \(address): \(Self.describe(listenError: error))")
      }
      throw AttentionServerError("\(address): \(error)")
    }
  }

  /// A system call's failure as the C library words it ("Address already in
  /// use"), without NIO's name of the call; anything else as it describes itself.
  static func describe(listenError error: any Error) -> String {
    if let failure = error as? IOError {
      return String(cString: strerror(failure.errnoCode))
    }
    return "\(error)"
  }
}

/// A server that could not start or stopped on an error, in one line.
public struct AttentionServerError: Error, CustomStringConvertible, Sendable {
  public let description: String

  init(_ description: String) {
    self.description = description
  }
}

/// Whether the server got as far as listening.
private final class StartFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false

  var isSet: Bool { lock.withLock { value } }
  func set() { lock.withLock { value = true } }
}
