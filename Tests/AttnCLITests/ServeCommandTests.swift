import AttentionCore
import Foundation
import TensorIO
import Testing

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The default model folder: `$ATTN_MODEL_DIR`, or where `scripts/fetch-model` puts it.
private let modelFolder: String? = {
  let environment = ProcessInfo.processInfo.environment
  let cache = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
  let folder = environment["ATTN_MODEL_DIR"] ?? cache + "/attentionkit/all-MiniLM-L6-v2"
  return FileManager.default.fileExists(atPath: folder + "/model.safetensors") ? folder : nil
}()

// Servers start one at a time: each loads the model, and the machine may be small.
@Suite(.serialized) struct ServeCommandTests {
  let folder: URL

  init() throws {
    folder = try makeScratchFolder()
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func answersAttentionAndRefusesBadRequests() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }

    let health = try server.request("GET", "/healthz")
    #expect(health.status == 200)
    #expect(try jsonObject(health.body)?["status"] as? String == "ok")

    // The tokens are those of `attn tokenize`, the numbers those of `attn model --npy`.
    let text = "The cat sat on the mat."
    let pair = "It was warm."
    let answer = try server.request("POST", "/api/attention", json: ["text": text, "pair": pair])
    #expect(answer.status == 200, "body: \(String(decoding: answer.body, as: UTF8.self))")
    let result = try #require(try jsonObject(answer.body))
    let tokens = try #require(result["tokens"] as? [String])
    let tokenized = try runAttn(["tokenize", model, text, "--pair", pair], in: folder)
    #expect(tokenized.status == 0, "stderr: \(tokenized.stderr)")
    #expect(tokens == (try jsonObject(Data(tokenized.stdout.utf8))?["tokens"] as? [String]))
    let (shape, _) = try flatten(try #require(result["attentions"]))
    let count = tokens.count
    #expect(shape == [6, 12, count, count])
    let values = try attentionNumbers(answer.body)
    #expect(values.count == 6 * 12 * count * count)
    for row in 0..<(6 * 12 * count) {
      let sum = values[(row * count)..<((row + 1) * count)].reduce(0, +)
      #expect(abs(sum - 1) < 1e-5, "row \(row) sums to \(sum)")
    }
    let run = try runAttn(["model", model, text, "--pair", pair, "--npy", "a.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let npy = try TensorFile.read(path: folder.appendingPathComponent("a.npy").path)
    #expect(npy.shape == shape)
    #expect(
      npy.scalars.map(\.bitPattern) == values.map(\.bitPattern), "the JSON numbers are attn model --npy's")
    try expectShortestNumbers(answer.body)

    // Requests at the same time share the model and get the same answer.
    let answers = try server.concurrentRequests(
      4, "POST", "/api/attention", json: ["text": text, "pair": pair])
    for other in answers {
      #expect(other.status == 200)
      #expect(other.body == answer.body)
    }

    let page = try server.request("GET", "/")
    #expect(page.status == 200)
    let html = String(decoding: page.body, as: UTF8.self)
    // The elements a browser test finds the form by.
    for element in [
      "<form id=\"form\"", "<textarea id=\"text\"", "<input id=\"pair\"", "<button type=\"submit\"",
      "<div id=\"status\"", "<iframe id=\"figure\"",
    ] {
      #expect(html.contains(element), "\(element)")
    }
    // One request a drawing: the figure page, not the JSON answer as well.
    #expect(html.contains("fetch(\"/view?\" + query)") && !html.contains("/api/attention"))
    #expect(html.contains("URL.createObjectURL"))
    #expect(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")
    let view = try server.request("GET", "/view?text=The%20cat%20sat.")
    #expect(view.status == 200)
    #expect(String(decoding: view.body, as: UTF8.self).hasPrefix("<!DOCTYPE html"))
    #expect(view.headers["Attention-Tokens"] == #"["[CLS]","the","cat","sat",".","[SEP]"]"#)
    // As a form sends it: "+" is a space, "%2B" a plus; a pair too.
    let form = try server.request("GET", "/view?text=The+cat+sat%2B&pair=a+dog")
    #expect(form.status == 200)
    #expect(form.headers["Attention-Tokens"] == #"["[CLS]","the","cat","sat","+","[SEP]","a","dog","[SEP]"]"#)
    let badEscape = try server.request("GET", "/view?text=%E2%82")
    #expect(badEscape.status == 400)
    #expect((try jsonObject(badEscape.body)?["error"] as? String)?.contains("URL-encoded") == true)

    for body in [
      Data("{\"text\": ".utf8), Data("[1, 2]".utf8), Data("{\"text\": 5}".utf8),
      Data("{\"text\": \"\"}".utf8), Data("{\"text\": \"  \"}".utf8),
      Data("{\"text\": \"a\", \"pair\": 3}".utf8),
    ] {
      let refused = try server.request("POST", "/api/attention", body: body)
      #expect(refused.status == 400, "body \(String(decoding: body, as: UTF8.self))")
      #expect(try jsonObject(refused.body)?["error"] is String)
    }
    let huge = try server.request(
      "POST", "/api/attention", json: ["text": String(repeating: "word ", count: 20_000)])
    #expect(huge.status == 413)
    #expect(try jsonObject(huge.body)?["error"] is String)
    let long = try server.request(
      "POST", "/api/attention", json: ["text": String(repeating: "word ", count: 600)])
    #expect(long.status == 422)
    // 600 words, [CLS] and [SEP]: 602 tokens, more than the model's 512 positions.
    #expect((try jsonObject(long.body)?["error"] as? String)?.contains("602 tokens") == true)

    for path in [
      "/nothing", "/api", "/healthz/x", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd",
    ] {
      let missing = try server.request("GET", path)
      #expect(missing.status == 404, "\(path)")
      #expect(try jsonObject(missing.body)?["error"] is String, "\(path)")
    }
    // Sent as written: a URL library would resolve the dots before sending.
    for path in ["/../../etc/passwd", "/../../../../etc/passwd", "/view/../../etc/passwd"] {
      let raw = try server.rawRequest("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
      #expect(raw.hasPrefix("HTTP/1.1 404"), "\(path): \(raw.prefix(200))")
      #expect(!raw.contains("root:"), "\(path) served a file")
    }

    let after = try server.request("GET", "/healthz")
    #expect(after.status == 200)
    // Refusals are the client's business: without --log the server wrote nothing.
    #expect(server.stderr().isEmpty, "stderr: \(server.stderr())")
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func answersNpyWithTheTokensInAHeader() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }
    // Accents, CJK characters and an emoji, for tokens beyond ASCII; long
    // enough that the JSON answer goes out in several chunks.
    let text =
      "Ça été un été chaud à Zürich, et nous avons passé des heures au bord du lac à regarder les bateaux."
    let pair =
      "東京は暑かった 🌞 and the evening was long and quiet by the river, where the lights came on one by one."
    let body = ["text": text, "pair": pair]
    let json = try server.request("POST", "/api/attention", json: body)
    #expect(json.status == 200)
    #expect(json.headers["Content-Type"] == "application/json; charset=utf-8")
    let tokens = try #require(try jsonObject(json.body)?["tokens"] as? [String])
    #expect(tokens.contains { $0.unicodeScalars.contains { !$0.isASCII } }, "\(tokens)")
    #expect(json.body.count > 2 << 20, "\(json.body.count) bytes: more than two chunks of 1 MiB")
    let numbers = try attentionNumbers(json.body)
    let run = try runAttn(["model", model, text, "--pair", pair, "--npy", "b.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let reference = try TensorFile.read(path: folder.appendingPathComponent("b.npy").path)
    #expect(reference.shape == [6, 12, tokens.count, tokens.count])
    #expect(reference.scalars.map(\.bitPattern) == numbers.map(\.bitPattern))

    for (path, accept) in [
      ("/api/attention", "application/x-npy"), ("/api/attention?format=npy", nil),
      ("/api/attention", "application/json;q=0.5, application/x-npy"),
      ("/api/attention", "application/x-npy, */*;q=0.1"),
    ] {
      let answer = try server.request("POST", path, json: body, accept: accept)
      let label = "\(path), Accept: \(accept ?? "none")"
      #expect(answer.status == 200, "\(label)")
      #expect(answer.headers["Content-Type"] == "application/x-npy", "\(label)")
      let npy = try TensorFile.decode(Array(answer.body), format: .npy, name: "answer.npy")
      #expect(npy.shape == reference.shape, "\(label)")
      #expect(npy.scalars.map(\.bitPattern) == reference.scalars.map(\.bitPattern), "\(label)")
      let header = try #require(answer.headers["Attention-Tokens"], "\(label)")
      #expect(header.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "\(header)")
      let decoded = try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String]
      #expect(decoded == tokens, "\(label)")
    }
    for (path, accept) in [
      ("/api/attention", "*/*"), ("/api/attention", "application/json, application/x-npy"),
      ("/api/attention", "application/x-npy;q=0"), ("/api/attention?format=json", "application/x-npy"),
      ("/api/attention", "image/png"),
    ] {
      let answer = try server.request("POST", path, json: body, accept: accept)
      #expect(answer.status == 200)
      #expect(
        answer.headers["Content-Type"] == "application/json; charset=utf-8", "\(path), Accept: \(accept)")
      #expect(answer.body == json.body, "\(path), Accept: \(accept)")
    }
    let unknown = try server.request("POST", "/api/attention?format=csv", json: body)
    #expect(unknown.status == 400)
    #expect((try jsonObject(unknown.body)?["error"] as? String)?.contains("csv") == true)
  }

  /// A model folder whose vocabulary has one word more than the model's
  /// embeddings: the tokenizer gives that word an id the model cannot look
  /// up, so a text with it fails inside the server, as a broken model folder would.
  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func logsFailuresInsideTheServerOneLineEach() throws {
    let model = try #require(modelFolder)
    let broken = folder.appendingPathComponent("vocabulary-too-long")
    try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
    for name in ["config.json", "tokenizer_config.json", "special_tokens_map.json"] {
      let source = URL(fileURLWithPath: model).appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: source.path) {
        try FileManager.default.copyItem(at: source, to: broken.appendingPathComponent(name))
      }
    }
    let weights = URL(fileURLWithPath: model).appendingPathComponent("model.safetensors")
    do {
      try FileManager.default.linkItem(at: weights, to: broken.appendingPathComponent("model.safetensors"))
    } catch {
      try FileManager.default.copyItem(at: weights, to: broken.appendingPathComponent("model.safetensors"))
    }
    var vocabulary = try String(contentsOfFile: model + "/vocab.txt", encoding: .utf8)
    let words = vocabulary.split(separator: "\n").count
    #expect(!vocabulary.split(separator: "\n").contains("zyzzogeton"))
    if !vocabulary.hasSuffix("\n") { vocabulary += "\n" }
    try (vocabulary + "zyzzogeton\n").write(
      to: broken.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)

    let server = try RunningServer.start(model: broken.path, in: folder, arguments: ["--log"])
    defer { server.stop() }
    let fine = try server.request("POST", "/api/attention", json: ["text": "A fine sentence."])
    #expect(fine.status == 200)
    let refused = try server.request("POST", "/api/attention", json: ["text": " "])
    #expect(refused.status == 400)
    let failed = try server.request("POST", "/api/attention", json: ["text": "The zyzzogeton sat."])
    #expect(failed.status == 500)
    let problem = "id \(words) at token 2 is outside the vocabulary 0..<\(words)"
    #expect((try jsonObject(failed.body)?["error"] as? String)?.contains(problem) == true)
    let failedView = try server.request("GET", "/view?text=zyzzogeton")
    #expect(failedView.status == 500)
    #expect(try server.request("GET", "/healthz").status == 200)
    server.stop()

    let lines = server.stderr().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    let time = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#
    let failure = try Regex(#"^\#(time) (\d{3}) (GET|POST) (\S+): (.+)$"#)
    let request = try Regex(#"^\#(time) (\d{3}) (GET|POST) (\S+) \d+\.\d ms (\d+) bytes$"#)
    var failures: [String] = []
    var requests: [String] = []
    for line in lines {
      if let match = line.wholeMatch(of: request) {
        requests.append(
          "\(match.output[1].substring ?? "") \(match.output[2].substring ?? "") \(match.output[3].substring ?? "")"
        )
      } else if let match = line.wholeMatch(of: failure) {
        failures.append(
          "\(match.output[1].substring ?? "") \(match.output[2].substring ?? "") \(match.output[3].substring ?? ""): \(match.output[4].substring ?? "")"
        )
      } else {
        Issue.record("a line that is neither a failure nor a request: \(line)")
      }
    }
    #expect(
      failures == [
        "500 POST /api/attention: the sequence: \(problem)",
        "500 GET /view: the sequence: id \(words) at token 1 is outside the vocabulary 0..<\(words)",
      ])
    // Every request, the polls of /healthz while the server started included; never the query.
    #expect(
      requests.filter { !$0.hasSuffix("/healthz") } == [
        "200 POST /api/attention", "400 POST /api/attention", "500 POST /api/attention", "500 GET /view",
      ])
    #expect(requests.contains("200 GET /healthz"))
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func aPortInUseIsOneError() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }
    let second = try runAttnWithTimeout(["serve", "--model", model, "--port", "\(server.port)"], in: folder)
    expectOneLineError(second, naming: "127.0.0.1:\(server.port)")
    // The C library's words, not NIO's description of the failed call.
    #expect(second.stderr == "error: cannot listen on 127.0.0.1:\(server.port): Address already in use\n")
    #expect(try server.request("GET", "/healthz").status == 200)
  }

  /// Answers are computed and written a few at a time; a client that leaves
  /// in the middle of a long answer must give its turn back, or after as many
  /// such clients as there are turns the server would answer nobody.
  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func abandonedAnswersGiveTheirTurnBack() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }
    // 131 tokens: about 15 MB of JSON, far more than the socket buffers hold.
    let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 13)
    let body = String(decoding: try JSONSerialization.data(withJSONObject: ["text": text]), as: UTF8.self)
    let post =
      "POST /api/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    for client in 0..<(ProcessInfo.processInfo.activeProcessorCount + 2) {
      let head = try server.rawRequest(post, readingAtMost: 4096, timeout: 15)
      #expect(head.hasPrefix("HTTP/1.1 200"), "client \(client): \(head.prefix(100))")
    }
    let answer = try server.request("POST", "/api/attention", json: ["text": "The cat sat."], timeout: 20)
    #expect(answer.status == 200)
    #expect(try server.request("GET", "/healthz", timeout: 10).status == 200)
  }

  /// Python's http.client, urllib and requests write the whole body before
  /// they read: a 413 must reach them promptly, not after their own timeout,
  /// whether the server reads the refused body to its end or, past a bound,
  /// closes the connection.
  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func refusedBodiesAreAnsweredToClientsThatWriteThemWhole() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }
    // Over the 64 KiB the route reads; 6 MiB is more than the socket buffers hold.
    // The body is {"text":"x…x"}, 11 bytes more than its text.
    for (size, closes) in [(70 * 1024, true), (1 << 20, true), (6 << 20, true), (1 << 20, false)] {
      let started = Date()
      let exchange = try server.postWholeBody(bytes: size, closingConnection: closes, timeout: 20)
      let seconds = Date().timeIntervalSince(started)
      #expect(exchange.sentAll, "\(size) bytes: the server stopped reading the body")
      #expect(exchange.received.hasPrefix("HTTP/1.1 413"), "\(size) bytes: \(exchange.received.prefix(200))")
      let body = exchange.received.components(separatedBy: "\r\n\r\n").dropFirst().joined()
      #expect(
        (try jsonObject(Data(body.utf8))?["error"] as? String)?.contains("has \(size + 11) bytes") == true)
      #expect(seconds < 10, "\(size) bytes answered after \(seconds) s")
    }
    // Past what the server reads and drops, the connection ends at once:
    // the client may miss the answer, but it does not wait for its timeout.
    let started = Date()
    let exchange = try server.postWholeBody(bytes: 12 << 20, closingConnection: true, timeout: 20)
    #expect(!exchange.sentAll || exchange.received.hasPrefix("HTTP/1.1 413"))
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(try server.request("GET", "/healthz", timeout: 10).status == 200)
  }

  @Test func aBadModelFolderFailsBeforeListening() throws {
    let missing = folder.appendingPathComponent("no-model").path
    let port = try freeLoopbackPort()
    let run = try runAttnWithTimeout(["serve", "--model", missing, "--port", "\(port)"], in: folder)
    expectOneLineError(run, naming: missing)
    #expect(run.stdout.isEmpty, "stdout: \(run.stdout)")
  }
}

/// An `attn serve` process on a loopback port, answering /healthz.
private struct RunningServer {
  let process: Process
  let port: Int
  /// Where the server's standard error goes.
  let log: URL

  /// Starts `attn serve` on a free port, trying another if the port is taken
  /// between choosing it and the server binding it.
  static func start(model: String, in folder: URL, arguments: [String] = []) throws -> RunningServer {
    var lastError = ""
    for _ in 0..<3 {
      let port = try freeLoopbackPort()
      let process = Process()
      process.executableURL = try attnExecutable()
      process.arguments = ["serve", "--model", model, "--port", "\(port)"] + arguments
      process.currentDirectoryURL = folder
      let log = folder.appendingPathComponent("serve-\(port).err")
      FileManager.default.createFile(atPath: log.path, contents: nil)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = try FileHandle(forWritingTo: log)
      process.standardInput = FileHandle.nullDevice
      try process.run()
      let server = RunningServer(process: process, port: port, log: log)
      let deadline = Date().addingTimeInterval(60)
      while Date() < deadline, process.isRunning {
        if let health = try? server.request("GET", "/healthz", timeout: 2), health.status == 200 {
          return server
        }
        Thread.sleep(forTimeInterval: 0.1)
      }
      server.stop()
      lastError = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    }
    throw ServerDidNotStart(stderr: lastError)
  }

  /// Stops the server: SIGTERM, and SIGKILL if it has not gone 10 s later
  /// (a server stuck on a request would otherwise hang the test run).
  func stop() {
    if process.isRunning { process.terminate() }
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { usleep(50_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  /// What the server has written to standard error so far.
  func stderr() -> String {
    (try? String(contentsOf: log, encoding: .utf8)) ?? ""
  }

  /// One HTTP request with URLSession: the status, the headers and the body.
  func request(
    _ method: String, _ path: String, body: Data? = nil, json: [String: String]? = nil, accept: String? = nil,
    timeout: TimeInterval = 120
  ) throws -> (status: Int, headers: [String: String], body: Data) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = timeout
    if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
    if let json {
      request.httpBody = try JSONSerialization.data(withJSONObject: json)
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    } else if let body {
      request.httpBody = body
      request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let box = ResponseBox()
    let done = DispatchSemaphore(value: 0)
    URLSession.shared.dataTask(with: request) { data, response, error in
      box.result = (data, response as? HTTPURLResponse, error)
      done.signal()
    }.resume()
    done.wait()
    let (data, response, error) = box.result
    if let error { throw error }
    var headers: [String: String] = [:]
    for name in ["Content-Type", "Attention-Tokens"] {
      headers[name] = response?.value(forHTTPHeaderField: name)
    }
    return (response?.statusCode ?? 0, headers, data ?? Data())
  }

  /// `count` copies of one request in flight at once.
  func concurrentRequests(
    _ count: Int, _ method: String, _ path: String, json: [String: String]
  ) throws -> [(status: Int, headers: [String: String], body: Data)] {
    let results = ResultsBox(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
      results.set(index, Result { try self.request(method, path, json: json) })
    }
    return try results.values.map { try $0!.get() }
  }

  /// Sends `text` over a plain TCP connection and returns all that comes
  /// back, or, with `readingAtMost`, that many bytes at least, closing the
  /// connection then.
  func rawRequest(_ text: String, readingAtMost limit: Int? = nil, timeout seconds: Int = 30) throws -> String
  {
    let descriptor = try connectedSocket(timeout: seconds)
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw SocketFailure(step: "send") }
    return receiveAll(descriptor, readingAtMost: limit)
  }

  /// Posts a JSON body of `bytes` bytes to `/api/attention` as Python's
  /// http.client does: the whole request is written, then the answer read.
  /// `sentAll` is false if the server stopped reading for `timeout` seconds
  /// or closed the connection before the end.
  func postWholeBody(bytes: Int, closingConnection: Bool, timeout seconds: Int) throws
    -> (sentAll: Bool, received: String)
  {
    let descriptor = try connectedSocket(timeout: seconds)
    defer { close(descriptor) }
    // {"text": "xx…x"}: the text fills the body.
    let body =
      Array("{\"text\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: bytes) + Array("\"}".utf8)
    let head =
      "POST /api/attention HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: \(body.count)\r\n" + (closingConnection ? "Connection: close\r\n" : "") + "\r\n"
    let request = Array(head.utf8) + body
    var sent = 0
    while sent < request.count {
      #if canImport(Glibc)
        let n = request[sent...].withUnsafeBytes {
          send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
        }
      #else
        let n = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
      #endif
      if n <= 0 { break }
      sent += n
    }
    return (sent == request.count, receiveOneResponse(descriptor))
  }

  /// One response, read to the end of its `Content-Length` body (a kept-alive
  /// connection stays open after it), or what came before the connection
  /// ended or the receive timeout passed.
  private func receiveOneResponse(_ descriptor: Int32) -> String {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    let separator = Array("\r\n\r\n".utf8)
    while true {
      let n = recv(descriptor, &buffer, buffer.count, 0)
      if n <= 0 { break }
      received += buffer[0..<n]
      guard let end = received.indices.first(where: { received[$0...].starts(with: separator) }) else {
        continue
      }
      let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
      let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
      if let length, received.count >= end + separator.count + length { break }
    }
    return String(decoding: received, as: UTF8.self)
  }

  /// A TCP connection to the server whose sends and receives give up after `seconds`.
  private func connectedSocket(timeout seconds: Int) throws -> Int32 {
    #if canImport(Glibc)
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_INET, SOCK_STREAM, 0)
      var one: Int32 = 1
      setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
    #endif
    guard descriptor >= 0 else { throw SocketFailure(step: "socket") }
    var address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      close(descriptor)
      throw SocketFailure(step: "connect")
    }
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return descriptor
  }

  /// What comes back until the server closes, the receive timeout passes,
  /// or `limit` bytes have come.
  private func receiveAll(_ descriptor: Int32, readingAtMost limit: Int?) -> String {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = recv(descriptor, &buffer, buffer.count, 0)
      if n <= 0 { break }
      received += buffer[0..<n]
      if let limit, received.count >= limit { break }
    }
    return String(decoding: received, as: UTF8.self)
  }
}

private struct ServerDidNotStart: Error, CustomStringConvertible {
  let stderr: String
  var description: String { "attn serve did not answer /healthz; stderr: \(stderr)" }
}

private struct SocketFailure: Error, CustomStringConvertible {
  let step: String
  var description: String { "\(step) failed: errno \(errno)" }
}

private final class ResponseBox: @unchecked Sendable {
  var result: (Data?, HTTPURLResponse?, (any Error)?) = (nil, nil, nil)
}

private final class ResultsBox: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var values: [Result<(status: Int, headers: [String: String], body: Data), any Error>?]

  init(count: Int) { values = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Result<(status: Int, headers: [String: String], body: Data), any Error>) {
    lock.withLock { values[index] = value }
  }
}

private func loopbackAddress(port: Int) -> sockaddr_in {
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = in_port_t(UInt16(port).bigEndian)
  address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
  return address
}

/// A port nothing listens on right now: the one the kernel picks for port 0.
private func freeLoopbackPort() throws -> Int {
  #if canImport(Glibc)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
  #endif
  guard descriptor >= 0 else { throw SocketFailure(step: "socket") }
  defer { close(descriptor) }
  var address = loopbackAddress(port: 0)
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
  }
  guard bound == 0 else { throw SocketFailure(step: "bind") }
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let named = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
  }
  guard named == 0 else { throw SocketFailure(step: "getsockname") }
  return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs `attn`, killing it if it is still running after `seconds`: a server
/// that should have failed must not hang the tests.
private func runAttnWithTimeout(_ arguments: [String], in directory: URL, seconds: TimeInterval = 60) throws
  -> AttnRun
{
  let process = Process()
  process.executableURL = try attnExecutable()
  process.arguments = arguments
  process.currentDirectoryURL = directory
  let out = directory.appendingPathComponent("run-\(UUID().uuidString).out")
  let err = directory.appendingPathComponent("run-\(UUID().uuidString).err")
  FileManager.default.createFile(atPath: out.path, contents: nil)
  FileManager.default.createFile(atPath: err.path, contents: nil)
  process.standardOutput = try FileHandle(forWritingTo: out)
  process.standardError = try FileHandle(forWritingTo: err)
  process.standardInput = FileHandle.nullDevice
  try process.run()
  let deadline = Date().addingTimeInterval(seconds)
  while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
  if process.isRunning { process.terminate() }
  process.waitUntilExit()
  return AttnRun(
    status: process.terminationStatus,
    terminatedBySignal: process.terminationReason == .uncaughtSignal,
    stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
    stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

private func jsonObject(_ data: Data) throws -> [String: Any]? {
  try JSONSerialization.jsonObject(with: data) as? [String: Any]
}

/// A nested JSON array of numbers as its shape and its values in row-major order.
private func flatten(_ value: Any) throws -> (shape: [Int], values: [Double]) {
  if let number = value as? NSNumber { return ([], [number.doubleValue]) }
  guard let array = value as? [Any], !array.isEmpty else { throw NotANumberArray() }
  var shape: [Int]?
  var values: [Double] = []
  for element in array {
    let (inner, innerValues) = try flatten(element)
    guard shape == nil || shape == inner else { throw NotANumberArray() }
    shape = inner
    values += innerValues
  }
  return ([array.count] + (shape ?? []), values)
}

private struct NotANumberArray: Error {}

/// The numbers of a `{"tokens": .., "attentions": ..}` answer in the order
/// written, each read from its own text with `Float(_:)`, which rounds the
/// decimal straight to float32 (reading through a double could round twice).
private func attentionNumbers(_ body: Data) throws -> [Float] {
  try attentionNumberTexts(body).map { text in
    guard let value = Float(text) else { throw NotANumberArray() }
    return value
  }
}

private func attentionNumberTexts(_ body: Data) throws -> [Substring] {
  let text = String(decoding: body, as: UTF8.self)
  guard let start = text.range(of: "\"attentions\":")?.upperBound else { throw NotANumberArray() }
  return text[start...].split(whereSeparator: { "[],}".contains($0) })
}

/// Every number of the answer has no more significant digits than
/// `Float.description`, the standard library's shortest round-trip spelling.
private func expectShortestNumbers(_ body: Data) throws {
  func significantDigits<S: StringProtocol>(_ text: S) -> Int {
    let mantissa = text.split(separator: "e").first ?? ""
    var digits = String(mantissa.filter(\.isNumber).drop { $0 == "0" })
    while digits.hasSuffix("0") { digits.removeLast() }
    return digits.count
  }
  for text in try attentionNumberTexts(body) {
    let value = try #require(Float(text))
    #expect(significantDigits(text) <= significantDigits(value.description), "\(text) for \(value)")
  }
}
