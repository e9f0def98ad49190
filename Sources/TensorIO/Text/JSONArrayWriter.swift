import AttentionCore

/// Writes a 1-D to 4-D tensor as nested JSON arrays, one innermost row per line.
///
/// Values use the shortest text that reads back to the same `Float`;
/// non-finite values are written `NaN`, `Infinity` and `-Infinity`, as
/// Python's `json` module does (strict JSON has no spelling for them).
struct JSONArrayWriter<Sink: ByteSink> {
  private var sink: Sink
  private var text = ""
  private let tensor: Tensor

  /// Rejects tensors that JSON cannot hold in a form `JSONArrayParser` gives back.
  static func checkWritable(_ tensor: Tensor) throws(Problem) {
    guard (1...JSONArrayParser.maximumRank).contains(tensor.rank) else {
      throw Problem("\(tensor.rank)-D tensor \(tensor.shape); JSON holds 1-D to 4-D")
    }
    guard tensor.count > 0 else { throw Problem("empty tensor \(tensor.shape) cannot be written as JSON") }
  }

  static func write(_ tensor: Tensor, to sink: inout Sink) throws(Problem) {
    try checkWritable(tensor)
    var writer = JSONArrayWriter(sink: sink, tensor: tensor)
    try writer.writeArray(axis: 0, offset: 0)
    writer.text += "\n"
    try writer.flush()
    sink = writer.sink
  }

  private init(sink: Sink, tensor: Tensor) {
    self.sink = sink
    self.tensor = tensor
  }

  /// Writes the sub-array along `axis` whose first element is `scalars[offset]`.
  private mutating func writeArray(axis: Int, offset: Int) throws(Problem) {
    let length = tensor.shape[axis]
    text += "["
    if axis == tensor.rank - 1 {
      for index in 0..<length {
        if index > 0 { text += ", " }
        text += JSONArrayWriter.spelling(of: tensor.scalars[offset + index])
      }
    } else {
      let stride = Tensor.strides(of: tensor.shape)[axis]
      let separator = ",\n" + String(repeating: " ", count: axis + 1)
      for index in 0..<length {
        if index > 0 { text += separator }
        try writeArray(axis: axis + 1, offset: offset + index * stride)
      }
    }
    text += "]"
    if text.utf8.count >= 1 << 20 { try flush() }
  }

  private mutating func flush() throws(Problem) {
    try sink.write(text)
    text.removeAll(keepingCapacity: true)
  }

  private static func spelling(of value: Float) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
    return value.description
  }
}
