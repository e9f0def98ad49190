import AttentionCore
import Hummingbird
import TensorIO

extension Response {
  /// The most bytes of a JSON answer sent whole, with its length (about 35
  /// tokens); longer answers go out as they are written.
  static let wholeAnswerBytes = 1024 * 1024
  /// The pieces a longer answer goes out in: small enough to come from the
  /// allocator's free lists again and again, instead of fresh pages each
  /// time, and to keep what an answer of any size holds while it is sent small.
  static let answerPieceBytes = 64 * 1024

  /// `POST /api/attention`'s answer in `format`.
  ///
  /// - Parameters:
  ///   - tokens: `[L]`.
  ///   - attentions: `[layers, heads, L, L]`.
  static func attention(tokens: [String], attentions: Tensor, format: AttentionFormat) throws -> Response {
    switch format {
    case .json: return try attentionJSON(tokens: tokens, attentions: attentions)
    case .npy: return try attentionNpy(tokens: tokens, attentions: attentions)
    }
  }

  /// `{"tokens": [..], "attentions": [[[[..]]]]}`: whole with its length if
  /// it is short, otherwise sent as it is written.
  private static func attentionJSON(tokens: [String], attentions: Tensor) throws -> Response {
    var json = try AttentionJSONWriter(tokens: tokens, attentions: attentions)
    var first = ByteBufferAllocator().buffer(capacity: wholeAnswerBytes + json.largestRow)
    let body: ResponseBody
    if !json.fill(&first, upTo: wholeAnswerBytes) {
      body = ResponseBody(byteBuffer: first)
    } else {
      body = ResponseBody { [first, json] writer in
        try await writer.write(first)
        var json = json
        var more = true
        while more {
          var piece = ByteBufferAllocator().buffer(capacity: answerPieceBytes + json.largestRow)
          more = json.fill(&piece, upTo: answerPieceBytes)
          try await writer.write(piece)
        }
        try await writer.finish(nil)
      }
    }
    return Response(
      status: .ok, headers: [.contentType: "application/json; charset=utf-8", .vary: "Accept"], body: body)
  }

  /// The attentions as a .npy file (float32, C order), the tokens in the
  /// `Attention-Tokens` header.
  private static func attentionNpy(tokens: [String], attentions: Tensor) throws -> Response {
    let npy = try TensorFile.encode(attentions, format: .npy)
    return Response(
      status: .ok,
      headers: [
        .contentType: AttentionFormat.npyMediaType, .vary: "Accept", .attentionTokens: asciiJSONArray(tokens),
      ],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: npy)))
  }
}
