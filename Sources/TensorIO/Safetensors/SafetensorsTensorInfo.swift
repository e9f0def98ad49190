/// What a safetensors header says about one tensor.
public struct SafetensorsTensorInfo: Sendable, Equatable {
  /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
  public var name: String
  /// The stored element type.
  public var dtype: SafetensorsDType
  /// The length of each axis, outermost first; `[]` for a scalar.
  public var shape: [Int]
  /// The tensor's bytes, relative to the start of the data section (after the header).
  public var dataOffsets: Range<Int>

  public init(name: String, dtype: SafetensorsDType, shape: [Int], dataOffsets: Range<Int>) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
    self.dataOffsets = dataOffsets
  }
}
