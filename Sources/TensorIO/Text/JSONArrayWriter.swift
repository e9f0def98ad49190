import Tensors

/// Writes a 1-D to 4-D tensor as nested JSON arrays, one innermost row per line.
///
/// Values are spelled by `ShortestDecimal`: the shortest text that reads
/// back to the same `Float`; non-finite values are written `NaN`, `Infinity`
/// and `-Infinity`, as Python's `json` module does (strict JSON has no
/// spelling for them).
struct JSONArrayWriter<Sink: ByteSink> {
  private var sink: Sink
  private var bytes: [UInt8] = []
  private let tensor: Tensor
  private let strides: [Int]

  /// Bytes gathered before they go to the sink.
  private static var flushSize: Int { 1 << 20 }

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
    writer.bytes.append(UInt8(ascii: "\n"))
    try writer.flush()
    sink = writer.sink
  }

  private init(sink: Sink, tensor: Tensor) {
    self.sink = sink
    self.tensor = tensor
    self.strides = Tensor.strides(of: tensor.shape)
    bytes.reserveCapacity(Self.flushSize + 64 * ShortestDecimal.maximumLength)
  }

  /// Writes the sub-array along `axis` whose first element is `scalars[offset]`.
  private mutating func writeArray(axis: Int, offset: Int) throws(Problem) {
    let length = tensor.shape[axis]
    bytes.append(UInt8(ascii: "["))
    if axis == tensor.rank - 1 {
      for index in 0..<length {
        if index > 0 { bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")]) }
        appendNumber(tensor.scalars[offset + index])
        if bytes.count >= Self.flushSize { try flush() }
      }
    } else {
      for index in 0..<length {
        if index > 0 {
          bytes.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: "\n")])
          bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: axis + 1))
        }
        try writeArray(axis: axis + 1, offset: offset + index * strides[axis])
      }
    }
    bytes.append(UInt8(ascii: "]"))
  }

  private mutating func appendNumber(_ value: Float) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDecimal.maximumLength) { buffer in
      let length = ShortestDecimal.write(value, to: buffer.baseAddress!)
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<length]))
    }
  }

  private mutating func flush() throws(Problem) {
    try sink.write(bytes)
    bytes.removeAll(keepingCapacity: true)
  }
}
