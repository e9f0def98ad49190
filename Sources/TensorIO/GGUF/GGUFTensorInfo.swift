/// One tensor's entry in a GGUF file: its name, shape, type and where its bytes are.
///
/// GGUF lists dimensions innermost first (ggml's `ne`): `dimensions[0]` is
/// the length of a row, so a `[vocabulary, hidden]` embedding matrix has
/// `dimensions == [hidden, vocabulary]` and `shape == [vocabulary, hidden]`.
public struct GGUFTensorInfo: Sendable, Equatable {
  /// The tensor's name, e.g. `"blk.0.attn_q.weight"`.
  public var name: String
  /// The lengths in ggml's order: `dimensions[0]` is the row length (`ne0`); 1 to 4 of them, none 0.
  public var dimensions: [Int]
  /// The lengths in row-major order (`dimensions` reversed), as `Tensor` takes them.
  public var shape: [Int]
  /// The element type.
  public var type: GGUFTensorType
  /// Where the tensor's bytes start, from the start of the file.
  public var offset: Int
  /// How many bytes the tensor takes: whole blocks of `type`.
  public var byteCount: Int
  /// The product of the dimensions.
  public var elementCount: Int

  /// Creates an entry; `shape` is `dimensions` reversed.
  public init(
    name: String, dimensions: [Int], type: GGUFTensorType, offset: Int, byteCount: Int, elementCount: Int
  ) {
    self.name = name
    self.dimensions = dimensions
    self.shape = dimensions.reversed()
    self.type = type
    self.offset = offset
    self.byteCount = byteCount
    self.elementCount = elementCount
  }
}
