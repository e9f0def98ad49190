import AttentionCore
import AttentionTestSupport
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

  /// The routes are tested in-process (AttentionServerTests); here the
  /// binary serves a tiny model written for the test, as a user runs it.
  @Test func theBinaryAnswersAsAttnModelWrites() throws {
    let model = try TinyBert(seed: 0x5E7E).writeFolder()
    defer { try? FileManager.default.removeItem(atPath: model) }
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }

    let health = try server.request("GET", "/healthz")
    #expect(health.status == 200)
    // The tokens are those of `attn tokenize`, the numbers those of `attn model --npy`.
    let (text, pair) = ("the cat sat", "on the mat")
    let answer = try server.request("POST", "/api/attention", json: ["text": text, "pair": pair])
    #expect(answer.status == 200, "body: \(String(decoding: answer.body, as: UTF8.self))")
    let tokens = try #require(try jsonObject(answer.body)?["tokens"] as? [String])
    let tokenized = try runAttn(["tokenize", model, text, "--pair", pair], in: folder)
    #expect(tokenized.status == 0, "stderr: \(tokenized.stderr)")
    #expect(tokens == (try jsonObject(Data(tokenized.stdout.utf8))?["tokens"] as? [String]))
    let run = try runAttn(["model", model, text, "--pair", pair, "--npy", "a.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let npy = try TensorFile.read(contentsOf: folder.appendingPathComponent("a.npy").path)
    #expect(npy.shape == [2, 2, tokens.count, tokens.count])
    let values = try attentionNumbers(answer.body)
    #expect(
      npy.scalars.map(\.bitPattern) == values.map(\.bitPattern), "the JSON numbers are attn model --npy's")
    try expectShortestNumbers(answer.body)
    let binary = try server.request("POST", "/api/attention?format=npy", json: ["text": text, "pair": pair])
    #expect(try TensorFile.decode(Array(binary.body), format: .npy, name: "answer.npy") == npy)

    // Sent as written: a URL library would resolve the dots before sending.
    for path in ["/../../etc/passwd", "/../../../../etc/passwd", "/view/../../etc/passwd"] {
      let raw = try server.rawRequest("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
      #expect(raw.hasPrefix("HTTP/1.1 404"), "\(path): \(raw.prefix(200))")
      #expect(!raw.contains("root:"), "\(path) served a file")
    }
    let refused = try server.request("POST", "/api/attention", body: Data("[1, 2]".utf8))
    #expect(refused.status == 400)
    #expect(try server.request("GET", "/healthz").status == 200)
    // Refusals are the client's business: without --log the server wrote nothing.
    #expect(server.stderr().isEmpty, "stderr: \(server.stderr())")
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

  /// `--model` twice serves both; generation streams newline-delimited JSON
  /// a token a line, and a cap over the server's `--max-tokens` is refused.
  @Test func servesAnEncoderAndADecoderAndStreamsGeneration() throws {
    let encoder = try TinyBert(seed: 0x5E7E).writeFolder()
    let decoder = try TinyLlama().writeFile(name: "tiny-llama")
    defer {
      try? FileManager.default.removeItem(atPath: encoder)
      try? FileManager.default.removeItem(atPath: (decoder as NSString).deletingLastPathComponent)
    }
    let server = try RunningServer.start(
      model: encoder, in: folder, arguments: ["--model", decoder, "--max-tokens", "8"])
    defer { server.stop() }
    let listed = try #require(try jsonObject(try server.request("GET", "/api/models").body))
    let models = try #require(listed["models"] as? [[String: Any]])
    #expect(models.map { $0["name"] as? String } == [(encoder as NSString).lastPathComponent, "tiny-llama"])
    #expect(listed["max_generated_tokens"] as? Int == 8)
    let answer = try server.request(
      "POST", "/api/generate", body: Data(#"{"prompt": "the cat", "max_tokens": 8}"#.utf8))
    #expect(answer.status == 200)
    #expect(answer.headers["Content-Type"] == "application/x-ndjson")
    let lines = String(decoding: answer.body, as: UTF8.self).split(separator: "\n")
    #expect(lines.count >= 3)
    #expect(try jsonObject(Data(lines[0].utf8))?["model"] as? String == "tiny-llama")
    #expect(try jsonObject(Data(lines[1].utf8))?["attention"] is [Any])
    #expect(try jsonObject(Data(lines.last!.utf8))?["stop"] is String)
    let over = try server.request(
      "POST", "/api/generate", body: Data(#"{"prompt": "the cat", "max_tokens": 9}"#.utf8))
    #expect(over.status == 422)
    #expect((try jsonObject(over.body)?["error"] as? String)?.contains("at most 8") == true)
    let causal = try server.request(
      "POST", "/api/attention", json: ["text": "the cat", "model": "tiny-llama"])
    #expect(causal.status == 200)
    let bad = try runAttnWithTimeout(["serve", "--model", decoder, "--max-tokens", "0"], in: folder)
    #expect(bad.status == 64)
    #expect(bad.stderr.hasPrefix("error:") && bad.stderr.contains("--max-tokens"), "\(bad.stderr)")
  }

  /// A client that leaves in the middle of a generation stops the model and
  /// gives its turn back: otherwise, once the socket's buffers are full, the
  /// model would wait for it forever, and after as many such clients as there
  /// are turns the server would answer nobody.
  @Test func abandonedGenerationsStopAndGiveTheirTurnBack() throws {
    // No end-of-sequence token: every run asks for far more lines than the
    // socket buffers hold (about 40 MB).
    var tiny = TinyLlama()
    tiny.contextLength = 1024
    tiny.hasEndOfSequence = false
    let decoder = try tiny.writeFile()
    defer { try? FileManager.default.removeItem(atPath: (decoder as NSString).deletingLastPathComponent) }
    let server = try RunningServer.start(model: decoder, in: folder, arguments: ["--max-tokens", "1000"])
    defer { server.stop() }
    let body = #"{"prompt": "the cat sat", "max_tokens": 1000}"#
    let post =
      "POST /api/generate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    for client in 0..<(ProcessInfo.processInfo.activeProcessorCount + 2) {
      let head = try server.rawRequest(post, readingAtMost: 4096, timeout: 15)
      #expect(head.hasPrefix("HTTP/1.1 200"), "client \(client): \(head.prefix(100))")
      #expect(head.contains("{\"model\":"), "client \(client): \(head.prefix(300))")
    }
    let answer = try server.request(
      "POST", "/api/generate", body: Data(#"{"prompt": "the cat", "max_tokens": 3}"#.utf8), timeout: 20)
    #expect(answer.status == 200)
    #expect(String(decoding: answer.body, as: UTF8.self).split(separator: "\n").count == 5)
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
