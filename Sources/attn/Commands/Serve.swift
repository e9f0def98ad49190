import ArgumentParser
import AttentionServer
import Dispatch
import Foundation
import TransformerModels

struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Serve models' attention over HTTP, with a page to draw it and to watch a decoder write.",
    discussion: """
      Loads the models once, then answers GET / (a page with a form), \
      GET /view?text=..&pair=..&model=..&lens=..&words=1&span=a-b (the HTML \
      figure of attn model, with its --lens, --words and --span), \
      GET /view/compare?text=..&text_b=.. (A − B, as attn compare draws it), \
      POST /api/compare with {"text", "text_b"} (the aligned tokens and the \
      heads ranked), POST /api/atlas with {"text", "pair"} (the head atlas), \
      POST /api/ablate with {"text", "heads": "3.7,5.2", "mode": "zero"} \
      (what switching the heads off changes, as attn ablate prints it), \
      POST /api/attention with {"text": "..", "pair": "..", "model": ".."} (the \
      tokens and the attentions, layers × heads × tokens × tokens, as JSON), \
      GET /api/models, POST /api/generate with {"prompt": "..", "chat": false, \
      "max_tokens": 64, ..} (each token as it is written, with what it attended \
      to, as newline-delimited JSON) and GET /healthz. Long texts: GET /long \
      (a page to explore one), POST /api/run with {"text", "pair", "model"} \
      (runs it once, keeping O(L·d) a layer, and answers {"id", "tokens", \
      "layers", "heads"}), GET /api/runs/ID/overview?layer=1&head=1&size=256 \
      &pooling=mean|max&rows=a:b&cols=c:d (a head pooled into size × size \
      cells) and GET /api/runs/ID/block?layer=1&head=1&rows=a:b&cols=c:d (the \
      exact weights, at most 262,144 cells), both JSON or ?format=npy; layers \
      and heads from 1, positions from 0, end excluded. Runs are kept within \
      --cache-mib, least recently used evicted first (404 then); a run that \
      does not fit beside those being computed gets 503 and Retry-After. A model is named by its \
      file or folder name (without .gguf); a request that names none gets the \
      first (for generation, the first that writes). \
      POST /api/attention?format=npy, or with "Accept: application/x-npy", \
      answers the attentions as a float32 .npy file instead, the tokens in \
      the Attention-Tokens header as a JSON array in ASCII. Bodies over \
      64 KiB are refused (413), texts longer than the model reads too \
      (422), and generations of more than --max-tokens tokens. A request \
      that fails inside the server (500) is written to standard error as one \
      line; --log writes a line for every request. Stops on SIGINT or SIGTERM.
      """
  )

  @Option(
    help: ArgumentHelp(
      "A model folder or GGUF file; give it again for more models (default: the fetched all-MiniLM-L6-v2 and SmolLM2-135M-Instruct, those there are).",
      valueName: "model"))
  var model: [String] = []

  @Option(help: "The most tokens one generation request may ask for.")
  var maxTokens = AttentionServer.Configuration.defaultMaxGeneratedTokens

  @Option(help: "The MiB the long runs of POST /api/run may keep together.")
  var cacheMib = AttentionServer.Configuration.defaultRunCacheMebibytes

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
    guard maxTokens >= 1 else { throw ValidationError("--max-tokens \(maxTokens): must be at least 1") }
    guard (1...(1 << 30)).contains(cacheMib) else {
      throw ValidationError("--cache-mib \(cacheMib): must be at least 1")
    }
  }

  func run() throws {
    let paths = model.isEmpty ? defaultModelPaths() : model
    let models = try zip(ServedModel.names(forPaths: paths), paths).map { name, path in
      ServedModel(name: name, model: try ModelLoader.load(contentsOf: path))
    }
    let server = AttentionServer(
      models: models,
      configuration: .init(
        host: host, port: port, logsRequests: log, maxGeneratedTokens: maxTokens, runCacheBytes: cacheMib << 20))
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

/// The default encoder and decoder, those of them that are fetched, each
/// missing one said in a note on standard error; the encoder alone when
/// neither is, so that its loading error says what to fetch.
private func defaultModelPaths() -> [String] {
  let defaults = [defaultModelFolder(), defaultDecoderPath()]
  let present = defaults.filter { FileManager.default.fileExists(atPath: $0) }
  guard !present.isEmpty else { return [defaults[0]] }
  for (missing, fetch) in zip(defaults, ["scripts/fetch-model", "scripts/fetch-model --decoder"])
  where !present.contains(missing) {
    FileHandle.standardError.write(
      Data("note: \(missing) is not fetched (\(fetch)); serving without it\n".utf8))
  }
  return present
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
