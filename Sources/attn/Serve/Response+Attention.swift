import AttentionCore
import Hummingbird
import TensorIO

extension Response {
  /// The bytes a JSON answer is sent in: large enough that writing is not
  /// dominated by its own overhead and that short answers (up to about 35
  /// tokens) go out in one piece, small enough that an answer of any size
  /// costs the server little memory while it goes out.
  static let attentionChunkBytes = 1024 * 1024

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

  /// `{"tokens": [..], "attentions": [[[[..]]]]}`: in one piece with its
  /// length if it fits in one chunk, otherwise sent as it is written.
  private static func attentionJSON(tokens: [String], attentions: Tensor) throws -> Response {
    var json = try AttentionJSONWriter(tokens: tokens, attentions: attentions)
    var first = ByteBufferAllocator().buffer(capacity: attentionChunkBytes + json.largestRow)
    let body: ResponseBody
    if !json.fill(&first, upTo: attentionChunkBytes) {
      body = ResponseBody(byteBuffer: first)
    } else {
      body = ResponseBody { [first, json] writer in
        try await writer.write(first)
        var json = json
        var more = true
        while more {
          var buffer = ByteBufferAllocator().buffer(capacity: attentionChunkBytes + json.largestRow)
          more = json.fill(&buffer, upTo: attentionChunkBytes)
          try await writer.write(buffer)
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
