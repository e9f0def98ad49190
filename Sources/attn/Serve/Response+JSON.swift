import AttentionCore
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

/// `{"tokens": [..], "attentions": [[[[..]]]]}`, the attentions nested as
/// their shape; each number is the shortest decimal that reads back as the
/// same float32.
func attentionJSON(tokens: [String], attentions: Tensor) -> [UInt8] {
  var head = "{\"tokens\":["
  for (index, token) in tokens.enumerated() {
    if index > 0 { head += "," }
    appendJSONString(token, to: &head)
  }
  head += "],\"attentions\":"
  var bytes = Array(head.utf8)
  let shape = attentions.shape
  bytes.reserveCapacity(bytes.count + attentions.scalars.count * 12)
  attentions.scalars.withUnsafeBufferPointer { scalars in
    var index = 0
    func nest(_ axis: Int) {
      bytes.append(UInt8(ascii: "["))
      for position in 0..<shape[axis] {
        if position > 0 { bytes.append(UInt8(ascii: ",")) }
        if axis == shape.count - 1 {
          bytes.append(contentsOf: scalars[index].description.utf8)
          index += 1
        } else {
          nest(axis + 1)
        }
      }
      bytes.append(UInt8(ascii: "]"))
    }
    nest(0)
  }
  bytes.append(UInt8(ascii: "}"))
  return bytes
}
