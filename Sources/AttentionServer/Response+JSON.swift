import Hummingbird
import TensorIO

extension Response {
  /// A response whose body is `bytes`, of the given content type.
  static func bytes(_ bytes: some Collection<UInt8>, contentType: String, status: HTTPResponse.Status = .ok)
    -> Response
  {
    Response(
      status: status, headers: [.contentType: contentType],
      body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
  }

  /// A JSON response of `json`, already encoded.
  static func json(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
    bytes(Array(json.utf8), contentType: "application/json; charset=utf-8", status: status)
  }

  /// `{"error": message}` with `status`.
  static func json(status: HTTPResponse.Status, error message: String) -> Response {
    var json = "{\"error\":"
    appendJSONString(message, to: &json)
    return Self.json(json + "}", status: status)
  }
}

extension HTTPFields.Element.Name {
  /// The tokens of an answer as a JSON array of strings, in ASCII.
  static let attentionTokens = Self("Attention-Tokens")!
}

/// `strings` as a JSON array in printable ASCII alone (see
/// `appendJSONString(_:to:escaping:)`), so that it can travel in an HTTP header.
func asciiJSONArray(_ strings: [String]) -> String {
  var json = "["
  for (index, string) in strings.enumerated() {
    if index > 0 { json += "," }
    appendJSONString(string, to: &json, escaping: .asciiOnly)
  }
  return json + "]"
}
