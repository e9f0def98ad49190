import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

/// The lenses a server answers beside the figure: the head atlas of a text,
/// two texts compared, and heads switched off.
extension AttentionService {
  /// The head atlas of one text (or pair): every head's statistics and label.
  func atlas(text: String, pair: String?, model name: String?) async throws -> HeadAtlas {
    let model = try self.model(named: name).model
    let encoding = try Self.encode(text, pair: pair, with: model, what: "text")
    return try await Self.compute { try model.headAtlas(of: [encoding], batchSize: 1) }
  }

  /// `text` against `other` through one model and `lens`: their tokens
  /// aligned, A − B and the heads (a lens of one map per layer: the layers)
  /// ranked by how much their rows moved.
  func comparison(text: String, against other: String, model name: String?, lens: AttentionLens = .attention)
    async throws -> AttentionComparison
  {
    let model = try self.model(named: name).model
    let encodings = try [("text", text), ("text_b", other)].map { what, text in
      try Self.encode(text, with: model, what: what)
    }
    return try await Self.compute {
      let runs = try encodings.map { try model.lensedAttention($0, lens: lens) }
      return try AttentionComparison(runs[0], runs[1])
    }
  }

  /// The figure page of a comparison's A − B, on RdBu_r centred at 0, as
  /// `attn compare --out x.html` draws it.
  static func differencePage(_ comparison: AttentionComparison, lens: AttentionLens = .attention) async throws
    -> [UInt8]
  {
    var heatmap = try ModelFigure(comparison.difference, lens: lens).heatmap
    try heatmap.useDifferenceScale(label: "A − B")
    return try await renderPage(heatmap)
  }

  /// Switches `ablation`'s heads off for `text` (and `pair`) and answers what changed,
  /// as `attn ablate` prints it, in one JSON object: `ablated` (layer.head
  /// from 1), `mode`, `attention_change` (each layer's mean |after −
  /// before|), and for an encoder `embedding_cosine`; for a decoder
  /// `next_token_kl` (nats), `top_before` and `top_after` (the five likeliest
  /// next tokens, `{"token", "text", "probability"}`), and `text_before` and
  /// `text_after`, `maxTokens` tokens written greedily.
  func ablation(
    text: String, pair: String? = nil, model name: String?, ablation: HeadAblation, chat: Bool, maxTokens: Int
  ) async throws -> String {
    let model = try self.model(named: name).model
    let summary = model.summary
    try Self.refusingLensErrors("\"heads\"") {
      try ablation.check(layerCount: summary.layerCount, headCount: summary.headCount)
    }
    let generative = model as? any GenerativeModel
    var prompt = text
    if chat, let generative {
      do {
        prompt = try generative.chatPrompt(user: text, system: nil)
      } catch {
        throw ServeError(status: .unprocessableContent, "\(error)")
      }
    }
    let encoding = try Self.encode(prompt, pair: pair, with: model, what: "text")
    return try await Self.compute {
      let effect = try model.ablationEffect(of: ablation, on: encoding)
      var json = "{\"ablated\":["
      json += ablation.heads.sorted().map { "\"\($0)\"" }.joined(separator: ",")
      json += "],\"mode\":\"\(ablation.mode.rawValue)\",\"attention_change\":["
      json += effect.attentionChange.map(jsonNumber).joined(separator: ",") + "]"
      if let cosine = effect.embeddingCosine { json += ",\"embedding_cosine\":\(jsonNumber(cosine))" }
      if let divergence = effect.nextTokenDivergence, let generative,
        let tokenizer = model.textTokenizer as? any TextDecodingTokenizer
      {
        json += ",\"next_token_kl\":\(jsonNumber(divergence))"
        for (name, run) in [("top_before", effect.before), ("top_after", effect.after)] {
          json += ",\"\(name)\":["
          for (index, entry) in AblationEffect.topTokens(of: run, count: 5).enumerated() {
            json += index > 0 ? ",{\"token\":" : "{\"token\":"
            appendJSONString(tokenizer.label(for: entry.id), to: &json)
            json += ",\"text\":"
            appendJSONString(tokenizer.decode([entry.id]), to: &json)
            json += ",\"probability\":\(jsonNumber(entry.probability))}"
          }
          json += "]"
        }
        for (name, ablated) in [("text_before", nil), ("text_after", ablation)] {
          let options = GenerationOptions(maxTokens: maxTokens, ablation: ablated)
          let written =
            maxTokens == 0 ? "" : try generative.generate(prompt: encoding, options: options) { _ in }.text
          json += ",\"\(name)\":"
          appendJSONString(written, to: &json)
        }
      }
      return json + "}"
    }
  }
}

/// A number as JSON: the shortest text that reads back as `value`, or
/// `null` for one that is not finite.
func jsonNumber(_ value: Double) -> String {
  value.isFinite ? "\(value)" : "null"
}

/// A comparison as one JSON object: `aligned` (the aligned positions'
/// labels, `she/he` where a pair differs, `+x` and `−x` where one side
/// alone has a token) and `heads`, every head as `{"layer", "head",
/// "distance"}` from 1, the most changed first (mean Jensen–Shannon
/// distance of its rows, base 2).
func comparisonJSON(_ comparison: AttentionComparison) -> String {
  var json = "{\"aligned\":["
  for (index, label) in comparison.alignment.labels.enumerated() {
    if index > 0 { json += "," }
    appendJSONString(label, to: &json)
  }
  json += "],\"heads\":["
  json += comparison.ranking.map {
    "{\"layer\":\($0.head.layer + 1),\"head\":\($0.head.head + 1),\"distance\":\(jsonNumber($0.distance))}"
  }.joined(separator: ",")
  return json + "]}"
}
