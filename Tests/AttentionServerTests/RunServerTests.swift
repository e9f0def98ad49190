import AttentionCore
import AttentionTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import TensorIO
import Testing
import TransformerModels

@testable import AttentionServer

/// Long runs through the server (`POST /api/run`, `GET /api/runs/{id}/…`)
/// against a full run's weights and the library's overviews, on a tiny
/// random BERT and a tiny random Llama-family decoder; and the cache's budget.
@Suite struct RunServerTests {
  let encoder: any AttentionModel
  let decoder: any AttentionModel
  /// 37 tokens for the encoder, more for the decoder: neither a multiple of a tile.
  let text = Array(repeating: "the cat sat on the mat .", count: 6).joined(separator: " ")

  init() throws {
    encoder = try ModelLoader.load(contentsOf: try TinyBert(seed: 0x10C3, maxPositions: 64).writeFolder())
    var tiny = TinyLlama()
    tiny.contextLength = 300
    decoder = try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-runs"))
  }

  private func withServer(
    cacheBytes: Int = 1 << 30, _ body: @Sendable (any TestClientProtocol) async throws -> Void
  ) async throws {
    let server = AttentionServer(
      models: [ServedModel(name: "bert", model: encoder), ServedModel(name: "llama", model: decoder)],
      configuration: .init(runCacheBytes: cacheBytes))
    try await Application(router: server.makeRouter()).test(.router, body)
  }

  private func startRun(_ client: any TestClientProtocol, model: String) async throws -> [String: Any] {
    let answer = try await client.execute(
      uri: "/api/run", method: .post, body: ByteBuffer(string: "{\"text\":\"\(text)\",\"model\":\"\(model)\"}"))
    #expect(answer.status == .ok)
    return try #require(try jsonObject(answer.body))
  }

  /// The numbers of the `"weights"` member, each read by `Float(_:)`, which
  /// reads the shortest decimal of a float32 back exactly; and the rows' lengths.
  private func weights(_ body: ByteBuffer) throws -> (rows: [Int], values: [Float]) {
    let text = String(buffer: body)
    let start = try #require(text.range(of: "\"weights\":[")).upperBound
    var rows: [Int] = []
    var values: [Float] = []
    for row in text[start...].dropLast(2).split(separator: "]") {
      let numbers = row.split(whereSeparator: { $0 == "," || $0 == "[" }).compactMap { Float(String($0)) }
      if !numbers.isEmpty { rows.append(numbers.count) }
      values += numbers
    }
    return (rows, values)
  }

  private func fullBlock(_ full: ModelAttention, layer: Int, head: Int, rows: Range<Int>, columns: Range<Int>)
    -> [Float]
  {
    let count = full.tokens.count
    return rows.flatMap { row in
      columns.map { full.attentions.scalars[((layer * full.headCount + head) * count + row) * count + $0] }
    }
  }

  @Test(arguments: ["bert", "llama"])
  func blocksAreTheFullRunsWeights(model name: String) async throws {
    let model = name == "bert" ? encoder : decoder
    let encoding = try model.tokenize(text)
    let full = try model.run(encoding, options: RunOptions()).attention
    let count = encoding.ids.count
    let local = try model.record(encoding)
    try await withServer { client in
      let run = try await startRun(client, model: name)
      let id = try #require(run["id"] as? String)
      #expect(run["tokens"] as? [String] == encoding.tokens)
      #expect(run["layers"] as? Int == full.layerCount && run["heads"] as? Int == full.headCount)
      #expect(run["kind"] as? String == full.kind.rawValue && run["model"] as? String == name)
      #expect(run["bytes"] as? Int == local.byteCount)
      for (layer, head, rows, columns) in [
        (1, 1, 0..<count, 0..<count), (2, 2, 3..<30, 5..<count), (2, 1, (count - 1)..<count, 0..<1),
      ] {
        let answer = try await client.execute(
          uri: "/api/runs/\(id)/block?layer=\(layer)&head=\(head)&rows=\(rows.lowerBound):\(rows.upperBound)"
            + "&cols=\(columns.lowerBound):\(columns.upperBound)", method: .get)
        #expect(answer.status == .ok)
        let expected = fullBlock(full, layer: layer - 1, head: head - 1, rows: rows, columns: columns)
        let (lengths, values) = try weights(answer.body)
        #expect(lengths == Array(repeating: columns.count, count: rows.count))
        let worst = zip(values, expected).map { abs(Int($0.bitPattern) - Int($1.bitPattern)) }.max() ?? 0
        #expect(values.count == expected.count && worst <= 1, "\(layer).\(head): \(worst) ulps")
        let object = try #require(try jsonObject(answer.body))
        #expect(object["rows"] as? [Int] == [rows.lowerBound, rows.upperBound])
        #expect(object["layer"] as? Int == layer && object["head"] as? Int == head)
        // The same block as float32 .npy.
        let npy = try await client.execute(
          uri: "/api/runs/\(id)/block?layer=\(layer)&head=\(head)&rows=\(rows.lowerBound):\(rows.upperBound)"
            + "&cols=\(columns.lowerBound):\(columns.upperBound)&format=npy", method: .get)
        #expect(npy.headers[.contentType] == "application/x-npy")
        let tensor = try TensorFile.decode(Array(npy.body.readableBytesView), format: .npy)
        #expect(tensor.shape == [rows.count, columns.count] && tensor.scalars == values)
      }
      // Overviews: the library's, with the bins' positions.
      let overview = try await client.execute(
        uri: "/api/runs/\(id)/overview?layer=2&head=1&size=8&pooling=max&rows=2:\(count)", method: .get)
      #expect(overview.status == .ok)
      let expected = try local.overview(layer: 1, head: 0, rows: 2..<count, size: 8, pooling: .max)
      let (lengths, values) = try weights(overview.body)
      #expect(lengths == [8, 8, 8, 8, 8, 8, 8, 8] && values == expected.scalars)
      let object = try #require(try jsonObject(overview.body))
      #expect(object["pooling"] as? String == "max")
      #expect(object["row_starts"] as? [Int] == AttentionRecord.binStarts(of: 2..<count, cells: 8))
      #expect(object["col_starts"] as? [Int] == AttentionRecord.binStarts(of: 0..<count, cells: 8))
      let whole = try await client.execute(uri: "/api/runs/\(id)/overview?layer=1&head=2", method: .get)
      let mean = try local.overview(layer: 0, head: 1, size: 256)
      #expect(try weights(whole.body).values == mean.scalars)
    }
  }

  @Test func refusesWhatIsNotARunOrARangeOfIt() async throws {
    try await withServer { client in
      let id = try #require(try await startRun(client, model: "bert")["id"] as? String)
      for (path, status, words) in [
        ("/api/runs/run-0/block?layer=1&head=1&rows=0:1&cols=0:1", HTTPResponse.Status.notFound, "no run \"run-0\""),
        ("/api/runs/\(id)/block?layer=0&head=1&rows=0:1&cols=0:1", .unprocessableContent, "layer 0 is outside"),
        ("/api/runs/\(id)/block?layer=1&head=3&rows=0:1&cols=0:1", .unprocessableContent, "head 3 is outside"),
        ("/api/runs/\(id)/block?layer=1&head=1&cols=0:1", .badRequest, "needs \"rows\""),
        ("/api/runs/\(id)/block?layer=1&head=1&rows=5:3&cols=0:1", .unprocessableContent, "5:3 is not a range"),
        ("/api/runs/\(id)/block?layer=1&head=1&rows=0:99&cols=0:1", .unprocessableContent, "0:99 is not a range"),
        ("/api/runs/\(id)/block?layer=1&head=1&rows=a&cols=0:1", .badRequest, "positions as a:b"),
        ("/api/runs/\(id)/block?head=1&rows=0:1&cols=0:1", .badRequest, "needs \"layer\""),
        ("/api/runs/\(id)/overview?layer=1&head=1&size=0", .badRequest, "\"size\" must be a whole number"),
        ("/api/runs/\(id)/overview?layer=1&head=1&size=2000", .badRequest, "from 1 to 1024"),
        ("/api/runs/\(id)/overview?layer=1&head=1&pooling=median", .badRequest, "\"pooling\" must be"),
        ("/api/runs/\(id)/overview?layer=1&head=1&format=csv", .badRequest, "format \"csv\""),
      ] {
        let answer = try await client.execute(uri: path, method: .get)
        #expect(answer.status == status, "\(path)")
        let message = try #require(try jsonObject(answer.body)?["error"] as? String)
        #expect(message.contains(words), "\(path): \(message)")
      }
      let blank = try await client.execute(uri: "/api/run", method: .post, body: ByteBuffer(string: "{\"text\":\" \"}"))
      #expect(blank.status == .badRequest)
      let unknown = try await client.execute(
        uri: "/api/run", method: .post, body: ByteBuffer(string: "{\"text\":\"the\",\"model\":\"gpt\"}"))
      #expect(unknown.status == .badRequest)
      let long = try await client.execute(
        uri: "/api/run", method: .post,
        body: ByteBuffer(string: "{\"text\":\"\(Array(repeating: "the", count: 80).joined(separator: " "))\"}"))
      #expect(long.status == .unprocessableContent)
    }
  }

  /// Runs beyond the budget evict the least recently used; one larger than
  /// the budget is refused for good.
  @Test func theBudgetEvictsTheLeastRecentlyUsedRun() async throws {
    let bytes = encoder.recordingByteCount(tokens: try encoder.tokenize(text).ids.count)
    // Room for two runs of the encoder with their labels, not three.
    let budget = 2 * (bytes + 64 * 40) + bytes / 2
    try await withServer(cacheBytes: budget) { client in
      let first = try #require(try await startRun(client, model: "bert")["id"] as? String)
      let second = try #require(try await startRun(client, model: "bert")["id"] as? String)
      #expect(first != second)
      // Using the first makes the second the least recently used.
      let touch = try await client.execute(uri: "/api/runs/\(first)/overview?layer=1&head=1&size=2", method: .get)
      #expect(touch.status == .ok)
      let third = try #require(try await startRun(client, model: "bert")["id"] as? String)
      for (id, status) in [(first, HTTPResponse.Status.ok), (second, .notFound), (third, .ok)] {
        let answer = try await client.execute(uri: "/api/runs/\(id)/overview?layer=1&head=1&size=2", method: .get)
        #expect(answer.status == status, "\(id)")
      }
      // The decoder's run keeps more than the whole budget.
      let big = try await client.execute(
        uri: "/api/run", method: .post,
        body: ByteBuffer(string: "{\"text\":\"\(Array(repeating: text, count: 3).joined(separator: " "))\",\"model\":\"llama\"}"))
      #expect(big.status == .unprocessableContent)
      let refusal = try jsonObject(big.body)?["error"] as? String
      #expect(refusal?.contains("--cache-mib") == true, "\(refusal ?? "")")
    }
  }

  /// While runs are computed their bytes cannot be evicted: another that
  /// does not fit beside them waits (503, Retry-After).
  @Test func aRunThatDoesNotFitBesideRunningOnesIsAskedToWait() throws {
    let cache = RunCache(budget: 1000)
    var running: RunCache.Reservation? = try cache.reserve(700)
    #expect(cache.keptBytes == 700)
    do {
      _ = try cache.reserve(400)
      Issue.record("a reservation past the budget was granted")
    } catch let error as ServeError {
      #expect(error.status == .serviceUnavailable && error.retryAfter == 5)
    }
    #expect(throws: ServeError.self) { try cache.reserve(1001) }
    running = nil
    #expect(running == nil && cache.keptBytes == 0)
    let next = try cache.reserve(400)
    #expect(cache.keptBytes == 400 && next.bytes == 400)
  }

  /// After a run, every head's thumbnail (what the page asks for first) is
  /// computed in the background and answered from the run's store.
  @Test func thumbnailsAreComputedAheadAndKept() async throws {
    let server = AttentionServer(
      models: [ServedModel(name: "llama", model: decoder)], configuration: .init(runCacheBytes: 1 << 30))
    let encoding = try decoder.tokenize(text)
    let local = try decoder.record(encoding)
    try await Application(router: server.makeRouter()).test(.router) { client in
      let id = try #require(try await startRun(client, model: "llama")["id"] as? String)
      let store = try server.service.runs.run(id).overviews
      let last = OverviewStore.Key(layer: 1, head: 3, size: 64, pooling: .max)
      for _ in 0..<200 where store[last] == nil { try await Task.sleep(nanoseconds: 20_000_000) }
      for layer in 0..<2 {
        for head in 0..<4 {
          let kept = store[OverviewStore.Key(layer: layer, head: head, size: 64, pooling: .max)]
          #expect(try kept?.scalars == local.overview(layer: layer, head: head, size: 64, pooling: .max).scalars)
        }
      }
      let answer = try await client.execute(
        uri: "/api/runs/\(id)/overview?layer=2&head=4&size=64&pooling=max", method: .get)
      #expect(try weights(answer.body).values == store[last]?.scalars)
    }
  }

  @Test func a503CarriesRetryAfter() async throws {
    let server = AttentionServer(model: encoder, configuration: .init(runCacheBytes: 1 << 20))
    let held = try server.service.runs.reserve(1 << 20)
    try await Application(router: server.makeRouter()).test(.router) { client in
      let answer = try await client.execute(
        uri: "/api/run", method: .post, body: ByteBuffer(string: "{\"text\":\"the cat\"}"))
      #expect(answer.status == .serviceUnavailable)
      #expect(answer.headers[.retryAfter] == "5")
      #expect((try jsonObject(answer.body)?["error"] as? String)?.contains("being computed") == true)
    }
    #expect(held.bytes == 1 << 20)
  }
}
