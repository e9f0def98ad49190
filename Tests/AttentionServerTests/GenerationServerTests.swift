import AttentionTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import TensorIO
import Testing
import TransformerModels

@testable import AttentionServer

/// A server of two models, run in-process: a tiny random BERT and a tiny
/// random Llama-family decoder (2 layers, 4 heads, 64 positions) read from
/// a GGUF file the tests write.
@Suite struct GenerationServerTests {
  let encoder: any AttentionModel
  let decoder: any GenerativeModel

  init() throws {
    encoder = try ModelLoader.load(contentsOf: try TinyBert(seed: 0x5E7E).writeFolder())
    decoder = try #require(
      try ModelLoader.load(contentsOf: try TinyLlama().writeFile()) as? any GenerativeModel)
  }

  /// Runs `body` against the routes of a server of both models, the encoder first.
  private func withServer(
    maxGeneratedTokens: Int = 32, gate: AnswerGate = .perCore(),
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    let server = AttentionServer(
      models: [ServedModel(name: "bert", model: encoder), ServedModel(name: "llama", model: decoder)],
      configuration: .init(maxGeneratedTokens: maxGeneratedTokens))
    let app = Application(router: server.makeRouter(gate: gate))
    try await app.test(.router, body)
  }

  private func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws
    -> TestResponse
  {
    try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
  }

  @Test func listsTheModelsWithTheirSizes() async throws {
    try await withServer { client in
      let answer = try await client.execute(uri: "/api/models", method: .get)
      #expect(answer.status == .ok)
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["max_generated_tokens"] as? Int == 32)
      let models = try #require(fields["models"] as? [[String: Any]])
      #expect(models.map { $0["name"] as? String } == ["bert", "llama"])
      #expect(models.map { $0["generative"] as? Bool } == [false, true])
      #expect(models.map { $0["kind"] as? String } == ["bidirectional", "causal"])
      #expect(models[1]["architecture"] as? String == "llama")
      #expect(models[1]["layers"] as? Int == 2)
      #expect(models[1]["heads"] as? Int == 4)
      #expect(models[1]["max_tokens"] as? Int == 64)
      #expect(models[0]["max_tokens"] as? Int == 16)
    }
  }

  @Test func answersADecodersCausalMapsAsJSONAndNpy() async throws {
    let expected = try decoder.attention(text: "the cat sat")
    #expect(expected.kind == .causal)
    try await withServer { client in
      let body = #"{"text": "the cat sat", "model": "llama"}"#
      let answer = try await post(client, "/api/attention", body)
      #expect(answer.status == .ok)
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["tokens"] as? [String] == expected.tokens)
      let (shape, values) = try flatten(try #require(fields["attentions"]))
      #expect(shape == [2, 4, expected.tokens.count, expected.tokens.count])
      #expect(values.map { Float($0).bitPattern } == expected.attentions.scalars.map(\.bitPattern))
      let npy = try await post(client, "/api/attention?format=npy", body)
      #expect(
        try TensorFile.decode(Array(npy.body.readableBytesView), format: .npy, name: "a.npy")
          == expected.attentions)
      // No model named: the first, the encoder.
      let first = try await post(client, "/api/attention", #"{"text": "the cat sat"}"#)
      #expect(try jsonObject(first.body)?["tokens"] as? [String] == encoder.tokenize("the cat sat").tokens)
      let view = try await client.execute(uri: "/view?text=the+cat&model=llama", method: .get)
      #expect(view.status == .ok)
      #expect(view.headers[.attentionTokens] == asciiJSONArray(try decoder.tokenize("the cat").tokens))
    }
  }

  /// Each streamed token carries the row it was chosen from: the very
  /// floats the model records for its whole run.
  @Test(arguments: [
    #"{"prompt": "the cat sat on", "max_tokens": 20}"#,
    #"{"prompt": "the cat", "max_tokens": 9, "temperature": 0.8, "top_k": 40, "top_p": 0.9, "seed": 7, "model": "llama"}"#,
    #"{"prompt": "hello", "chat": true, "system": "Be brief.", "max_tokens": 6}"#,
    #"{"prompt": "hello", "chat": true, "max_tokens": 5, "seed": 18446744073709551615, "temperature": 1}"#,
  ])
  func streamsEachTokenWithTheAttentionItWasChosenFrom(body: String) async throws {
    let request = try GenerationRequest(
      try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]), cap: 32)
    let text =
      try request.chat ? decoder.chatPrompt(user: request.prompt, system: request.system) : request.prompt
    let prompt = try decoder.tokenize(text)
    var tokens: [GeneratedToken] = []
    let run = try decoder.generate(prompt: prompt, options: request.options) { tokens.append($0) }
    let written = tokens
    #expect(!written.isEmpty)
    let promptCount = prompt.ids.count
    let attentions = run.attention.attentions
    let length = attentions.shape[3]
    for token in written {
      // The library's own tokens hold the recorded rows too.
      let row = promptCount + token.index - 1
      var recorded: [Float] = []
      for map in 0..<(2 * 4) {
        let start: Int = (map * length + row) * length
        recorded += attentions.scalars[start...(start + row)]
      }
      #expect(token.attention.shape == [2, 4, row + 1])
      #expect(token.attention.scalars.map(\.bitPattern) == recorded.map(\.bitPattern))
    }
    try await withServer { client in
      let answer = try await post(client, "/api/generate", body)
      #expect(answer.status == .ok)
      #expect(answer.headers[.contentType] == "application/x-ndjson")
      let text = String(buffer: answer.body)
      #expect(text.hasSuffix("\n"))
      let lines = try text.split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
      }
      #expect(lines.count == written.count + 2)
      let start = try #require(lines.first)
      #expect(start["model"] as? String == "llama")
      #expect(start["tokens"] as? [String] == prompt.tokens)
      #expect(start["ids"] as? [Int] == prompt.ids)
      #expect(start["layers"] as? Int == 2 && start["heads"] as? Int == 4)
      for (line, token) in zip(lines.dropFirst(), written) {
        #expect(line["index"] as? Int == token.index)
        #expect(line["id"] as? Int == token.id)
        #expect(line["token"] as? String == token.label)
        #expect(line["text"] as? String == token.text)
        let (shape, values) = try flatten(try #require(line["attention"]))
        #expect(shape == token.attention.shape)
        #expect(values.map { Float($0).bitPattern } == token.attention.scalars.map(\.bitPattern))
      }
      let end = try #require(lines.last)
      #expect(end["stop"] as? String == run.stop.rawValue)
      #expect(end["text"] as? String == run.text)
      #expect(end["generated"] as? Int == run.generatedIds.count)
    }
  }

  @Test func refusesBadGenerationRequests() async throws {
    // 70 letters with no merge between them: 70 tokens, past the 64 positions.
    let long = String(repeating: "xz", count: 35)
    // 64 tokens fill the context: none could be written.
    let full = String(repeating: "xz", count: 32)
    let refusals: [(body: String, status: HTTPResponse.Status, says: String)] = [
      (#"{"prompt": "#, .badRequest, "not JSON"),
      ("[1]", .badRequest, "JSON object"),
      (#"{"max_tokens": 3}"#, .badRequest, "\"prompt\""),
      (#"{"prompt": 3}"#, .badRequest, "\"prompt\" must be a string"),
      (#"{"prompt": " "}"#, .badRequest, "empty"),
      (#"{"prompt": "a", "chat": 1}"#, .badRequest, "\"chat\" must be true or false"),
      (#"{"prompt": "a", "max_tokens": 0}"#, .badRequest, "\"max_tokens\""),
      (#"{"prompt": "a", "max_tokens": 1.5}"#, .badRequest, "\"max_tokens\""),
      (#"{"prompt": "a", "max_tokens": "5"}"#, .badRequest, "\"max_tokens\""),
      (#"{"prompt": "a", "max_tokens": true}"#, .badRequest, "\"max_tokens\""),
      (#"{"prompt": "a", "temperature": -1}"#, .badRequest, "\"temperature\""),
      (#"{"prompt": "a", "top_p": 0}"#, .badRequest, "\"top_p\""),
      (#"{"prompt": "a", "top_k": -2}"#, .badRequest, "\"top_k\""),
      (#"{"prompt": "a", "seed": -1}"#, .badRequest, "\"seed\""),
      (#"{"prompt": "a", "system": "x"}"#, .badRequest, "\"chat\": true"),
      (#"{"prompt": "a", "max_token": 3}"#, .badRequest, "unknown member \"max_token\""),
      (#"{"prompt": "a", "model": "gpt"}"#, .badRequest, "bert, llama"),
      (#"{"prompt": "a", "model": "bert"}"#, .unprocessableContent, "does not write"),
      (#"{"prompt": "a", "max_tokens": 33}"#, .unprocessableContent, "at most 32"),
      (#"{"prompt": "\#(long)"}"#, .unprocessableContent, "70 tokens"),
      (#"{"prompt": "\#(full)"}"#, .unprocessableContent, "fill the model's context of 64"),
    ]
    try await withServer { client in
      for refusal in refusals {
        let answer = try await post(client, "/api/generate", refusal.body)
        #expect(answer.status == refusal.status, "\(refusal.body)")
        let message = try jsonObject(answer.body)?["error"] as? String
        #expect(message?.contains(refusal.says) == true, "\(refusal.body): \(message ?? "no error")")
      }
      let unknown = try await post(client, "/api/attention", #"{"text": "a", "model": "gpt"}"#)
      #expect(unknown.status == .badRequest)
      let view = try await client.execute(uri: "/view?text=a&model=gpt", method: .get)
      #expect(view.status == .badRequest)
      // The cap itself is allowed.
      let capped = try await post(client, "/api/generate", #"{"prompt": "a", "max_tokens": 32}"#)
      #expect(capped.status == .ok)
    }
  }

  @Test func aServerWithoutADecoderSaysSo() async throws {
    let app = Application(router: AttentionServer(model: encoder).makeRouter())
    try await app.test(.router) { client in
      let answer = try await client.execute(
        uri: "/api/generate", method: .post, body: ByteBuffer(string: #"{"prompt": "a"}"#))
      #expect(answer.status == .unprocessableContent)
      #expect((try jsonObject(answer.body)?["error"] as? String)?.contains("writes text") == true)
    }
  }

  /// Generations take turns with the other answers: with one turn, many at
  /// once all finish, each whole.
  @Test func generationsTakeTurns() async throws {
    try await withServer(gate: AnswerGate(limit: 1)) { client in
      try await withThrowingTaskGroup(of: (Int, String).self) { group in
        for index in 0..<6 {
          group.addTask {
            let body =
              index % 2 == 0
              ? #"{"prompt": "the cat", "max_tokens": 12}"# : #"{"text": "the cat", "model": "llama"}"#
            let uri = index % 2 == 0 ? "/api/generate" : "/api/attention"
            let answer = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
            return (index, String(buffer: answer.body))
          }
        }
        var answers: [Int: String] = [:]
        for try await (index, body) in group { answers[index] = body }
        #expect(Set(answers.filter { $0.key % 2 == 0 }.values).count == 1)
        #expect(Set(answers.filter { $0.key % 2 == 1 }.values).count == 1)
        #expect(answers[0]?.split(separator: "\n").last?.contains("\"stop\"") == true)
      }
    }
  }

  @Test func namesModelsByTheirFiles() {
    #expect(
      ServedModel.names(forPaths: [
        "/cache/all-MiniLM-L6-v2", "/cache/SmolLM2-135M-Instruct.Q4_1.gguf", "/other/all-MiniLM-L6-v2/",
        "x/SmolLM2-135M-Instruct.Q4_1.GGUF",
      ]) == [
        "all-MiniLM-L6-v2", "SmolLM2-135M-Instruct.Q4_1", "all-MiniLM-L6-v2-2",
        "SmolLM2-135M-Instruct.Q4_1-2",
      ])
  }
}
