import AttentionFigures
import AttentionTestSupport
import Foundation
import Heatmaps
import Hummingbird
import HummingbirdTesting
import TensorIO
import Testing
import TransformerModels

@testable import AttentionServer

/// The server's routes, run in-process on a tiny random BERT that the tests
/// write: 2 layers, 2 heads, 16 positions.
@Suite struct ServerTests {
  let folder: String
  let model: any AttentionModel

  init() throws {
    folder = try TinyBert(seed: 0x5E7E).writeFolder()
    model = try ModelLoader.load(contentsOf: folder)
  }

  /// Runs `body` against the routes of a server of `model`.
  private func withServer(
    model: (any AttentionModel)? = nil, log: ServeLog? = nil,
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    let server = AttentionServer(model: model ?? self.model)
    let app = Application(router: server.makeRouter(log: log))
    try await app.test(.router, body)
  }

  @Test func answersTheTokensAndEveryLayersAttention() async throws {
    let expected = try model.attention(text: "the cat sat", pair: "on the mat")
    try await withServer { client in
      let answer = try await client.execute(
        uri: "/api/attention", method: .post,
        body: ByteBuffer(string: #"{"text":"the cat sat","pair":"on the mat"}"#))
      #expect(answer.status == .ok)
      #expect(answer.headers[.contentType] == "application/json; charset=utf-8")
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["tokens"] as? [String] == expected.tokens)
      #expect(expected.tokens == ["[CLS]", "the", "cat", "sat", "[SEP]", "on", "the", "mat", "[SEP]"])
      let (shape, values) = try flatten(try #require(fields["attentions"]))
      #expect(shape == expected.attentions.shape)
      // The shortest decimals read back as the very floats the model computed.
      #expect(values.map { Float($0).bitPattern } == expected.attentions.scalars.map(\.bitPattern))
    }
  }

  @Test func answersNpyWithTheTokensInAnASCIIHeader() async throws {
    let text = "東京 the cat"
    let expected = try model.attention(text: text)
    #expect(expected.tokens.contains("東"))
    let body = #"{"text":"東京 the cat"}"#
    try await withServer { client in
      let json = try await client.execute(
        uri: "/api/attention", method: .post, body: ByteBuffer(string: body))
      for (uri, accept) in [
        ("/api/attention", "application/x-npy"), ("/api/attention?format=npy", nil),
        ("/api/attention", "application/json;q=0.5, application/x-npy"),
      ] {
        let headers: HTTPFields = accept.map { [.accept: $0] } ?? [:]
        let answer = try await client.execute(
          uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        #expect(answer.status == .ok, "\(uri) \(accept ?? "")")
        #expect(answer.headers[.contentType] == "application/x-npy")
        let npy = try TensorFile.decode(
          Array(answer.body.readableBytesView), format: .npy, name: "answer.npy")
        #expect(npy == expected.attentions)
        let header = try #require(answer.headers[.attentionTokens])
        #expect(header.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }, "\(header)")
        #expect(try JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String] == expected.tokens)
      }
      for accept in ["*/*", "application/json, application/x-npy", "application/x-npy;q=0", "image/png"] {
        let answer = try await client.execute(
          uri: "/api/attention", method: .post, headers: [.accept: accept], body: ByteBuffer(string: body))
        #expect(answer.headers[.contentType] == "application/json; charset=utf-8", "\(accept)")
        #expect(answer.body == json.body, "\(accept)")
      }
      let unknown = try await client.execute(
        uri: "/api/attention?format=csv", method: .post, body: ByteBuffer(string: body))
      #expect(unknown.status == .badRequest)
      #expect((try jsonObject(unknown.body)?["error"] as? String)?.contains("csv") == true)
    }
  }

  @Test func refusesBadRequestsWithAJSONError() async throws {
    try await withServer { client in
      for body in [
        #"{"text": "#, "[1, 2]", #"{"text": 5}"#, #"{"text": ""}"#, #"{"text": "  "}"#,
        #"{"text": "a", "pair": 3}"#,
      ] {
        let refused = try await client.execute(
          uri: "/api/attention", method: .post, body: ByteBuffer(string: body))
        #expect(refused.status == .badRequest, "\(body)")
        #expect(try jsonObject(refused.body)?["error"] is String, "\(body)")
      }
      let huge = try await client.execute(
        uri: "/api/attention", method: .post,
        body: ByteBuffer(string: #"{"text": ""# + String(repeating: "cat ", count: 20_000) + #""}"#))
      #expect(huge.status == .contentTooLarge)
      #expect(try jsonObject(huge.body)?["error"] is String)
      // 20 words, [CLS] and [SEP]: 22 tokens, more than the model's 16 positions.
      let long = try await client.execute(
        uri: "/api/attention", method: .post,
        body: ByteBuffer(string: #"{"text": ""# + String(repeating: "cat ", count: 20) + #""}"#))
      #expect(long.status == .unprocessableContent)
      #expect((try jsonObject(long.body)?["error"] as? String)?.contains("22 tokens") == true)
      for uri in [
        "/nothing", "/api", "/healthz/x", "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd",
      ] {
        let missing = try await client.execute(uri: uri, method: .get)
        #expect(missing.status == .notFound, "\(uri)")
        #expect(try jsonObject(missing.body)?["error"] is String, "\(uri)")
      }
      for uri in ["/view", "/view?text=", "/view?text=+", "/view?text=%E2%82"] {
        let refused = try await client.execute(uri: uri, method: .get)
        #expect(refused.status == .badRequest, "\(uri)")
      }
      let health = try await client.execute(uri: "/healthz", method: .get)
      #expect(health.status == .ok)
      #expect(try jsonObject(health.body)?["status"] as? String == "ok")
    }
  }

  @Test func servesThePageAndTheFigureOfAttnModel() async throws {
    let attention = try model.attention(text: "the cat sat+", pair: "a mat")
    let figure = try ModelFigure(attention, selection: .all(layerCount: 2, headCount: 2))
    let expected = try renderFigureData(figure.heatmap, format: .html).bytes
    try await withServer { client in
      let page = try await client.execute(uri: "/", method: .get)
      #expect(page.status == .ok)
      let html = String(buffer: page.body)
      for element in [
        "<form id=\"form\"", "<textarea id=\"text\"", "<input id=\"pair\"", "<button type=\"submit\"",
        "<div id=\"status\"", "<iframe id=\"figure\"",
      ] {
        #expect(html.contains(element), "\(element)")
      }
      #expect(
        !html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")
      // As a form sends it: "+" is a space, "%2B" a plus.
      let view = try await client.execute(uri: "/view?text=the+cat+sat%2B&pair=a+mat", method: .get)
      #expect(view.status == .ok)
      #expect(view.headers[.contentType] == "text/html; charset=utf-8")
      #expect(
        view.headers[.attentionTokens]
          == #"["[CLS]","the","cat","sat","[UNK]","[SEP]","[UNK]","mat","[SEP]"]"#)
      #expect(Array(view.body.readableBytesView) == expected)
    }
  }

  @Test func concurrentRequestsShareTheModelAndGetOneAnswer() async throws {
    try await withServer { client in
      let body = #"{"text":"the cat sat on the mat"}"#
      let first = try await client.execute(
        uri: "/api/attention", method: .post, body: ByteBuffer(string: body))
      let answers = try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
        for _ in 0..<6 {
          group.addTask {
            try await client.execute(uri: "/api/attention", method: .post, body: ByteBuffer(string: body))
              .body
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(answers.count == 6 && answers.allSatisfy { $0 == first.body })
    }
  }

  @Test func failuresInsideTheServerAreLoggedOneLineEach() async throws {
    let lines = LogLines()
    let log = ServeLog(logsRequests: true) { lines.append($0) }
    try await withServer(model: FailingModel(model: model), log: log) { client in
      let fine = try await client.execute(
        uri: "/api/attention", method: .post, body: ByteBuffer(string: #"{"text":"the cat"}"#))
      #expect(fine.status == .ok)
      let refused = try await client.execute(
        uri: "/api/attention", method: .post, body: ByteBuffer(string: #"{"text":" "}"#))
      #expect(refused.status == .badRequest)
      let failed = try await client.execute(
        uri: "/api/attention", method: .post, body: ByteBuffer(string: #"{"text":"the mat"}"#))
      #expect(failed.status == .internalServerError)
      #expect((try jsonObject(failed.body)?["error"] as? String) == FailingModel.problem)
      let failedView = try await client.execute(uri: "/view?text=mat", method: .get)
      #expect(failedView.status == .internalServerError)
    }
    let time = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#
    let failure = try Regex(#"^\#(time) (\d{3}) (GET|POST) (\S+): (.+)$"#)
    let request = try Regex(#"^\#(time) (\d{3}) (GET|POST) (\S+) \d+\.\d ms (\d+) bytes$"#)
    var failures: [String] = []
    var requests: [String] = []
    for line in lines.all {
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
        "500 POST /api/attention: \(FailingModel.problem)", "500 GET /view: \(FailingModel.problem)",
      ])
    // Every request, never its query.
    #expect(
      requests == [
        "200 POST /api/attention", "400 POST /api/attention", "500 POST /api/attention", "500 GET /view",
      ])
  }
}

/// A model that fails inside the server for any text with "mat" in it, as a
/// broken model would.
private struct FailingModel: AttentionModel {
  static let problem = "the model cannot run this text"
  let model: any AttentionModel

  struct Failure: Error, CustomStringConvertible {
    var description: String { FailingModel.problem }
  }

  var summary: ModelSummary { model.summary }
  var textTokenizer: any TextTokenizer { model.textTokenizer }

  func run(_ encoding: Encoding, options: RunOptions) throws -> ModelRun {
    if encoding.tokens.contains("mat") { throw Failure() }
    return try model.run(encoding, options: options)
  }
}

/// The lines a `ServeLog` wrote, without their newlines.
private final class LogLines: @unchecked Sendable {
  private let lock = NSLock()
  private var text = ""

  func append(_ data: Data) { lock.withLock { text += String(decoding: data, as: UTF8.self) } }

  var all: [Substring] {
    lock.withLock { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() }
  }
}

func jsonObject(_ body: ByteBuffer) throws -> [String: Any]? {
  try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
}

/// The shape and values of nested JSON arrays of numbers.
func flatten(_ value: Any) throws -> (shape: [Int], values: [Double]) {
  if let number = value as? NSNumber { return ([], [number.doubleValue]) }
  let items = try #require(value as? [Any])
  let parts = try items.map(flatten)
  let inner = parts.first?.shape ?? []
  #expect(parts.allSatisfy { $0.shape == inner }, "ragged array")
  return ([items.count] + inner, parts.flatMap(\.values))
}
