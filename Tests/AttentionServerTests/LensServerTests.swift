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

/// The lenses the server answers (`/view`'s lens, words and span, the
/// atlas, comparisons, ablation), against the library calls they serve, on
/// a tiny random BERT and a tiny random Llama-family decoder.
@Suite struct LensServerTests {
  let encoder: any AttentionModel
  let decoder: any GenerativeModel

  init() throws {
    encoder = try ModelLoader.load(contentsOf: try TinyBert(seed: 0x1E45).writeFolder())
    decoder = try #require(
      try ModelLoader.load(contentsOf: try TinyLlama().writeFile()) as? any GenerativeModel)
  }

  private func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let server = AttentionServer(
      models: [ServedModel(name: "bert", model: encoder), ServedModel(name: "llama", model: decoder)],
      configuration: .init(maxGeneratedTokens: 8))
    try await Application(router: server.makeRouter()).test(.router, body)
  }

  private func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws
    -> TestResponse
  {
    try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
  }

  private func html(_ heatmap: HeatmapFigure) throws -> [UInt8] {
    try renderFigureData(heatmap, format: .html).bytes
  }

  @Test func viewDrawsTheLensWordsAndSpanAsAttnModelDoes() async throws {
    let text = "the cat sat on the mat"
    let encoding = try encoder.tokenize(text)
    let rollout = try encoder.lensedAttention(encoding, lens: .rollout, words: true)
    let valueNorm = try encoder.lensedAttention(encoding, lens: .valueNorm)
    let expectedRollout = try html(ModelFigure(rollout, lens: .rollout).heatmap)
    let expectedSpan = try html(SpanFigure(valueNorm, span: 2..<4, lens: .valueNorm).heatmap)
    try await withServer { client in
      let first = try await client.execute(
        uri: "/view?text=the+cat+sat+on+the+mat&lens=rollout&words=1", method: .get)
      #expect(first.status == .ok)
      #expect(Array(first.body.readableBytesView) == expectedRollout)
      #expect(first.headers[.attentionTokens] == asciiJSONArray(rollout.tokens))
      let second = try await client.execute(
        uri: "/view?text=the+cat+sat+on+the+mat&lens=value-norm&span=2-3", method: .get)
      #expect(second.status == .ok)
      #expect(Array(second.body.readableBytesView) == expectedSpan)
      #expect(second.headers[.attentionTokens] == asciiJSONArray(valueNorm.tokens))
      let llama = try await client.execute(
        uri: "/view?text=the+cat+sat&model=llama&lens=rollout", method: .get)
      #expect(llama.status == .ok)
    }
  }

  @Test func viewRefusesAnUnknownLensOrWordsAndASpanPastTheText() async throws {
    try await withServer { client in
      for (query, status, words) in [
        ("lens=gradient", HTTPResponse.Status.badRequest, "\"lens\" must be attention, rollout, value-norm, flow"),
        ("words=yes", .badRequest, "\"words\" must be 1 or 0"),
        ("span=3-40", .unprocessableContent, "span \"3-40\": the text has tokens 0-4"),
        ("span=b", .unprocessableContent, "span \"b\": give positions from 0"),
        ("words=1&span=0-5", .unprocessableContent, "the text has words 0-4"),
      ] {
        let answer = try await client.execute(uri: "/view?text=the+cat+sat&\(query)", method: .get)
        #expect(answer.status == status, "\(query)")
        let message = try #require(try jsonObject(answer.body)?["error"] as? String)
        #expect(message.contains(words), "\(query): \(message)")
      }
    }
  }

  @Test func atlasAnswersEveryHeadsStatisticsAndLabel() async throws {
    for (model, name, text) in [(encoder, "bert", "the cat sat on the mat"), (decoder, "llama", "a cat sat")]
    {
      let expected = try model.headAtlas(of: [try model.tokenize(text)], batchSize: 1)
      try await withServer { client in
        let answer = try await post(client, "/api/atlas", #"{"text":"\#(text)","model":"\#(name)"}"#)
        #expect(answer.status == .ok)
        let fields = try #require(try jsonObject(answer.body))
        let heads = try #require(fields["heads"] as? [[String: Any]])
        let flat = expected.heads.flatMap { $0 }
        #expect(heads.count == flat.count && flat.count == model.summary.layerCount * model.summary.headCount)
        for (index, (head, statistics)) in zip(heads, flat).enumerated() {
          #expect(head["layer"] as? Int == index / model.summary.headCount + 1)
          #expect(head["head"] as? Int == index % model.summary.headCount + 1)
          #expect(head["label"] as? String == statistics.label.rawValue)
          for (key, value) in [
            ("entropy", statistics.entropy), ("distance", statistics.distance), ("sink", statistics.sink),
            ("self", statistics.selfWeight),
          ] {
            #expect(abs(try #require(head[key] as? Double) - value) <= 5e-7, "\(name) \(index) \(key)")
          }
        }
      }
    }
  }

  @Test func compareAnswersTheAlignmentRankingAndDifferencePage() async throws {
    let (a, b) = ("the cat sat on the mat", "the dog sat on the mat")
    let comparison = try AttentionComparison(try encoder.attention(text: a), try encoder.attention(text: b))
    var difference = try ModelFigure(comparison.difference).heatmap
    try difference.useDifferenceScale(label: "A − B")
    let expectedPage = try html(difference)
    try await withServer { client in
      let answer = try await post(client, "/api/compare", #"{"text":"\#(a)","text_b":"\#(b)"}"#)
      #expect(answer.status == .ok)
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["aligned"] as? [String] == comparison.alignment.labels)
      let heads = try #require(fields["heads"] as? [[String: Any]])
      #expect(heads.count == comparison.ranking.count)
      for (head, entry) in zip(heads, comparison.ranking) {
        #expect(head["layer"] as? Int == entry.head.layer + 1 && head["head"] as? Int == entry.head.head + 1)
        #expect(sameNumber(head["distance"], entry.distance))
      }
      let page = try await client.execute(
        uri: "/view/compare?text=the+cat+sat+on+the+mat&text_b=the+dog+sat+on+the+mat", method: .get)
      #expect(page.status == .ok)
      #expect(Array(page.body.readableBytesView) == expectedPage)
      #expect(page.headers[.attentionTokens] == asciiJSONArray(comparison.alignment.labels))
      for (uri, body) in [
        ("/api/compare", #"{"text":"the cat"}"#), ("/api/compare", #"{"text":"a","text_b":" "}"#),
        ("/api/compare", #"{"text":"a","text_b":"b","pair":"c"}"#),
      ] {
        let refused = try await post(client, uri, body)
        #expect(refused.status == .badRequest, "\(body)")
      }
      let missing = try await client.execute(uri: "/view/compare?text=the+cat", method: .get)
      #expect(missing.status == .badRequest)
    }
  }

  @Test func compareTakesALens() async throws {
    let (a, b) = ("the cat sat on the mat", "the dog sat on the mat")
    let runs = try [a, b].map { try encoder.lensedAttention(encoder.tokenize($0), lens: .rollout) }
    let comparison = try AttentionComparison(runs[0], runs[1])
    var difference = try ModelFigure(comparison.difference, lens: .rollout).heatmap
    try difference.useDifferenceScale(label: "A − B")
    let expectedPage = try html(difference)
    try await withServer { client in
      let answer = try await post(client, "/api/compare", #"{"text":"\#(a)","text_b":"\#(b)","lens":"rollout"}"#)
      #expect(answer.status == .ok)
      let heads = try #require(try jsonObject(answer.body)?["heads"] as? [[String: Any]])
      #expect(heads.count == encoder.summary.layerCount, "one map per layer")
      for (head, entry) in zip(heads, comparison.ranking) {
        #expect(head["layer"] as? Int == entry.head.layer + 1 && head["head"] as? Int == 1)
        #expect(sameNumber(head["distance"], entry.distance))
      }
      let page = try await client.execute(
        uri: "/view/compare?text=the+cat+sat+on+the+mat&text_b=the+dog+sat+on+the+mat&lens=rollout", method: .get)
      #expect(Array(page.body.readableBytesView) == expectedPage)
      let refused = try await post(client, "/api/compare", #"{"text":"a","text_b":"b","lens":"saliency"}"#)
      #expect(refused.status == .badRequest)
    }
  }

  @Test func ablateAnswersAnEncodersCosineAndLayerChanges() async throws {
    let (text, pair) = ("the cat sat", "on the mat")
    let ablation = HeadAblation(heads: [HeadIndex(layer: 0, head: 1)], mode: .mean)
    let effect = try encoder.ablationEffect(of: ablation, on: try encoder.tokenize(text, pair: pair))
    try await withServer { client in
      let answer = try await post(
        client, "/api/ablate", #"{"text":"\#(text)","pair":"\#(pair)","heads":"1.2","mode":"mean"}"#)
      #expect(answer.status == .ok)
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["ablated"] as? [String] == ["1.2"])
      #expect(fields["mode"] as? String == "mean")
      #expect(sameNumber(fields["embedding_cosine"], try #require(effect.embeddingCosine)))
      #expect(sameNumbers(fields["attention_change"], effect.attentionChange))
      #expect(try #require(effect.embeddingCosine) < 1)
      #expect(fields["next_token_kl"] == nil)
    }
  }

  @Test func ablateAnswersADecodersDivergenceTopTokensAndGreedyText() async throws {
    let text = "a cat sat"
    let encoding = try decoder.tokenize(text)
    let ablation = HeadAblation(heads: [HeadIndex(layer: 1, head: 0), HeadIndex(layer: 1, head: 3)])
    let effect = try decoder.ablationEffect(of: ablation, on: encoding)
    let before = try decoder.generate(prompt: encoding, options: GenerationOptions(maxTokens: 5)) { _ in }
      .text
    let after = try decoder.generate(
      prompt: encoding, options: GenerationOptions(maxTokens: 5, ablation: ablation)
    ) {
      _ in
    }.text
    let tokenizer = try #require(decoder.textTokenizer as? any TextDecodingTokenizer)
    try await withServer { client in
      let answer = try await post(
        client, "/api/ablate", #"{"text":"\#(text)","heads":"2.4, 2.1","model":"llama","max_tokens":5}"#)
      #expect(answer.status == .ok)
      let fields = try #require(try jsonObject(answer.body))
      #expect(fields["ablated"] as? [String] == ["2.1", "2.4"])
      #expect(sameNumber(fields["next_token_kl"], try #require(effect.nextTokenDivergence)))
      #expect(try #require(effect.nextTokenDivergence) > 0)
      #expect(fields["text_before"] as? String == before)
      #expect(fields["text_after"] as? String == after)
      for (key, run) in [("top_before", effect.before), ("top_after", effect.after)] {
        let top = try #require(fields[key] as? [[String: Any]])
        let expected = AblationEffect.topTokens(of: run, count: 5)
        #expect(top.map { $0["token"] as? String } == expected.map { tokenizer.label(for: $0.id) })
        #expect(sameNumbers(top.map { $0["probability"] as Any }, expected.map(\.probability)))
      }
      #expect(sameNumbers(fields["attention_change"], effect.attentionChange))
      #expect((fields["attention_change"] as? [Double])?.first == 0, "layer 1 is before the ablated heads")
    }
  }

  @Test func ablateRefusesBadHeadsModesAndMembers() async throws {
    try await withServer { client in
      for (body, status, words) in [
        (
          #"{"text":"a cat","heads":"3.7"}"#, HTTPResponse.Status.unprocessableContent,
          "head 3.7 is outside the model"
        ),
        (#"{"text":"a cat","heads":"1-2"}"#, .badRequest, "\"1-2\" is not a head as layer.head"),
        (#"{"text":"a cat","heads":12}"#, .badRequest, "\"heads\" must be a string"),
        (#"{"text":"a cat"}"#, .badRequest, "\"heads\" must be a string"),
        (#"{"text":"a cat","heads":"1.1","mode":"half"}"#, .badRequest, "\"mode\" must be"),
        (#"{"text":"a cat","heads":"1.1","mode":"mean","model":"llama"}"#, .unprocessableContent, "mean"),
        (#"{"text":"a cat","heads":"1.1","max_tokens":9,"model":"llama"}"#, .badRequest, "\"max_tokens\""),
        (#"{"text":"a cat","heads":"1.1","lens":"rollout"}"#, .badRequest, "unknown member \"lens\""),
      ] {
        let answer = try await post(client, "/api/ablate", body)
        #expect(answer.status == status, "\(body)")
        let message = try #require(try jsonObject(answer.body)?["error"] as? String)
        #expect(message.contains(words), "\(body): \(message)")
      }
    }
  }
}

/// Whether a JSON number reads back as `expected`. The server writes the
/// shortest text that reads back exactly (`Double(text)`); Foundation's
/// JSON reader on Linux goes through NSDecimalNumber and lands up to a few
/// ulps away, so 4 ulps are allowed.
private func sameNumber(_ value: Any?, _ expected: Double) -> Bool {
  guard let number = (value as? NSNumber)?.doubleValue else { return false }
  return abs(number - expected) <= 4 * expected.ulp
}

private func sameNumbers(_ value: Any?, _ expected: [Double]) -> Bool {
  guard let numbers = value as? [Any], numbers.count == expected.count else { return false }
  return zip(numbers, expected).allSatisfy { sameNumber($0, $1) }
}
