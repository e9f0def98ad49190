import Foundation
import Hummingbird
import Logging
import NIOCore
import TransformerModels

/// An HTTP server of models' attention: a page to draw it and to watch a
/// decoder write, the HTML figure, the attentions as JSON or `.npy`, and
/// generation streamed a token at a time with each token's attention.
///
/// Routes: `GET /` (the page), `GET /view?text=..&pair=..&model=..` (the
/// HTML figure of `attn model`), `POST /api/attention` with `{"text",
/// "pair", "model"}` (`{"tokens", "attentions"}`, layers × heads × tokens ×
/// tokens; `?format=npy` or `Accept: application/x-npy` for float32 `.npy`
/// with the tokens in the `Attention-Tokens` header), `GET /api/models`,
/// `POST /api/generate` (newline-delimited JSON, see `GenerationStream`) and
/// `GET /healthz`. A request that names no model gets the first (for
/// generation, the first that writes). Bodies over 64 KiB are refused with
/// 413, texts longer than the model reads with 422. No route reads a file.
///
/// ```swift
/// let server = AttentionServer(models: [ServedModel(name: "minilm", model: try ModelLoader.load(contentsOf: folder))])
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
    /// The most tokens one `POST /api/generate` may ask for.
    public var maxGeneratedTokens: Int

    /// The bytes the long runs of `POST /api/run` may keep together.
    public var runCacheBytes: Int

    /// The cap on tokens written for one request when none is given.
    public static let defaultMaxGeneratedTokens = 256
    /// The run cache's budget when none is given: 2 GiB, two runs of
    /// SmolLM2 at its 8,192 tokens (0.8 GB each) with room to spare.
    public static let defaultRunCacheMebibytes = 2048

    public init(
      host: String = "127.0.0.1", port: Int = 8080, logsRequests: Bool = false,
      maxGeneratedTokens: Int = defaultMaxGeneratedTokens, runCacheBytes: Int = defaultRunCacheMebibytes << 20
    ) {
      self.host = host
      self.port = port
      self.logsRequests = logsRequests
      self.maxGeneratedTokens = maxGeneratedTokens
      self.runCacheBytes = runCacheBytes
    }
  }

  let service: AttentionService
  public let configuration: Configuration

  /// - Parameter models: at least one, with names that differ; the first
  ///   answers a request that names none.
  public init(models: [ServedModel], configuration: Configuration = Configuration()) {
    precondition(Set(models.map(\.name)).count == models.count, "two served models have one name")
    service = AttentionService(
      models: models, maxGeneratedTokens: configuration.maxGeneratedTokens,
      runCacheBytes: configuration.runCacheBytes)
    self.configuration = configuration
  }

  /// A server of one model, named `model`.
  public init(model: any AttentionModel, configuration: Configuration = Configuration()) {
    self.init(models: [ServedModel(name: "model", model: model)], configuration: configuration)
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
