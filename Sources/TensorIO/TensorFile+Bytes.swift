import Tensors

extension TensorFile {
  /// Decodes a tensor from bytes in memory, with the same validation as `read(path:array:)`.
  ///
  /// - Parameters:
  ///   - bytes: the contents of a file in `format`.
  ///   - array: for `.npz`, the array to decode; nil for the first.
  ///   - name: what errors call the data, e.g. an uploaded file's name.
  public static func decode(
    _ bytes: [UInt8], format: TensorFormat, array: String? = nil, name: String = "data"
  ) throws(TensorIOError) -> Tensor {
    do throws(Problem) {
      return try decode(from: MemorySource(contents: bytes), format: format, array: array)
    } catch {
      throw error.at(path: name)
    }
  }

  /// Decodes every array of a `.npz` archive in memory, in the order of its directory.
  public static func decodeArchive(
    _ bytes: [UInt8], name: String = "data"
  ) throws(TensorIOError) -> [(name: String, tensor: Tensor)] {
    do throws(Problem) {
      return try decodeArchive(from: MemorySource(contents: bytes))
    } catch {
      throw error.at(path: name)
    }
  }

  /// The bytes `write(_:to:)` would write for `tensor` in `format`.
  public static func encode(_ tensor: Tensor, format: TensorFormat) throws(TensorIOError) -> [UInt8] {
    var sink = MemorySink()
    do throws(Problem) {
      try encode(tensor, format: format, to: &sink)
    } catch {
      throw error.at(path: "tensor")
    }
    return sink.contents
  }
}
