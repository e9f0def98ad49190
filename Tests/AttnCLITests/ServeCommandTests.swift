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
    let (shape, values) = try flatten(try #require(result["attentions"]))
    let count = tokens.count
    #expect(shape == [6, 12, count, count])
    for row in 0..<(6 * 12 * count) {
      let sum = values[(row * count)..<((row + 1) * count)].reduce(0, +)
      #expect(abs(sum - 1) < 1e-5, "row \(row) sums to \(sum)")
    }
    let run = try runAttn(["model", model, text, "--pair", pair, "--npy", "a.npy"], in: folder)
    #expect(run.status == 0, "stderr: \(run.stderr)")
    let npy = try TensorFile.read(path: folder.appendingPathComponent("a.npy").path)
    #expect(npy.shape == shape)
    let largest = zip(npy.scalars, values).map { abs(Double($0) - $1) }.max() ?? .infinity
    #expect(largest < 1e-6, "largest difference from attn model --npy: \(largest)")

    // Requests at the same time share the model and get the same answer.
    let answers = try server.concurrentRequests(4, "POST", "/api/attention", json: ["text": text, "pair": pair])
    for other in answers {
      #expect(other.status == 200)
      #expect(other.body == answer.body)
    }

    let page = try server.request("GET", "/")
    #expect(page.status == 200)
    let html = String(decoding: page.body, as: UTF8.self)
    #expect(html.contains("<form") && html.contains("/api/attention"))
    #expect(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")
    let view = try server.request("GET", "/view?text=The%20cat%20sat.")
    #expect(view.status == 200)
    #expect(String(decoding: view.body, as: UTF8.self).hasPrefix("<!DOCTYPE html"))

    for body in [Data("{\"text\": ".utf8), Data("[1, 2]".utf8), Data("{\"text\": 5}".utf8),
                 Data("{\"text\": \"\"}".utf8), Data("{\"text\": \"  \"}".utf8),
                 Data("{\"text\": \"a\", \"pair\": 3}".utf8)] {
      let refused = try server.request("POST", "/api/attention", body: body)
      #expect(refused.status == 400, "body \(String(decoding: body, as: UTF8.self))")
      #expect(try jsonObject(refused.body)?["error"] is String)
    }
    let huge = try server.request("POST", "/api/attention", json: ["text": String(repeating: "word ", count: 20_000)])
    #expect(huge.status == 413)
    #expect(try jsonObject(huge.body)?["error"] is String)
    let long = try server.request("POST", "/api/attention", json: ["text": String(repeating: "word ", count: 600)])
    #expect(long.status == 422)
    // 600 words, [CLS] and [SEP]: 602 tokens, more than the model's 512 positions.
    #expect((try jsonObject(long.body)?["error"] as? String)?.contains("602 tokens") == true)

    for path in ["/nothing", "/api", "/healthz/x", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd"] {
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
  }

  @Test(.enabled(if: modelFolder != nil, "the model is not fetched (scripts/fetch-model)"))
  func aPortInUseIsOneError() throws {
    let model = try #require(modelFolder)
    let server = try RunningServer.start(model: model, in: folder)
    defer { server.stop() }
    let second = try runAttnWithTimeout(["serve", "--model", model, "--port", "\(server.port)"], in: folder)
    expectOneLineError(second, naming: "127.0.0.1:\(server.port)")
    #expect(try server.request("GET", "/healthz").status == 200)
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

  /// Starts `attn serve` on a free port, trying another if the port is taken
  /// between choosing it and the server binding it.
  static func start(model: String, in folder: URL) throws -> RunningServer {
    var lastError = ""
    for _ in 0..<3 {
      let port = try freeLoopbackPort()
      let process = Process()
      process.executableURL = try attnExecutable()
      process.arguments = ["serve", "--model", model, "--port", "\(port)"]
      process.currentDirectoryURL = folder
      let log = folder.appendingPathComponent("serve-\(port).err")
      FileManager.default.createFile(atPath: log.path, contents: nil)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = try FileHandle(forWritingTo: log)
      process.standardInput = FileHandle.nullDevice
      try process.run()
      let server = RunningServer(process: process, port: port)
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

  func stop() {
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }

  /// One HTTP request with URLSession: the status and the body.
  func request(
    _ method: String, _ path: String, body: Data? = nil, json: [String: String]? = nil, timeout: TimeInterval = 120
  ) throws -> (status: Int, body: Data) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = timeout
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
      box.result = (data, (response as? HTTPURLResponse)?.statusCode, error)
      done.signal()
    }.resume()
    done.wait()
    let (data, status, error) = box.result
    if let error { throw error }
    return (status ?? 0, data ?? Data())
  }

  /// `count` copies of one request in flight at once.
  func concurrentRequests(
    _ count: Int, _ method: String, _ path: String, json: [String: String]
  ) throws -> [(status: Int, body: Data)] {
    let results = ResultsBox(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { index in
      results.set(index, Result { try self.request(method, path, json: json) })
    }
    return try results.values.map { try $0!.get() }
  }

  /// Sends `text` over a plain TCP connection and returns all that comes back.
  func rawRequest(_ text: String) throws -> String {
    #if canImport(Glibc)
      let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else { throw SocketFailure(step: "socket") }
    defer { close(descriptor) }
    var address = loopbackAddress(port: port)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw SocketFailure(step: "connect") }
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(text.utf8)
    guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw SocketFailure(step: "send") }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = recv(descriptor, &buffer, buffer.count, 0)
      if n <= 0 { break }
      received += buffer[0..<n]
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
  var result: (Data?, Int?, (any Error)?) = (nil, nil, nil)
}

private final class ResultsBox: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var values: [Result<(status: Int, body: Data), any Error>?]

  init(count: Int) { values = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Result<(status: Int, body: Data), any Error>) {
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
