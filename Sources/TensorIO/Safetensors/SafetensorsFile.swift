import Tensors

/// A safetensors file: named tensors behind a JSON header, as Hugging Face
/// stores model weights.
///
/// Opening maps the file with `mmap` and validates the whole header (see
/// `SafetensorsHeader`) before anything else; a malformed file gives a
/// `TensorIOError` naming the file and the problem, never a crash. Tensors
/// are converted to `Float` and copied out of the mapping when asked for,
/// so a returned `Tensor` owns its memory and outlives the file object. The
/// mapping lasts as long as the `SafetensorsFile`.
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: "model.safetensors")
/// let weight = try file.tensor(named: "embeddings.word_embeddings.weight")  // [30522, 384]
/// ```
public final class SafetensorsFile: Sendable {
  /// The path as given, or the name given for bytes in memory; errors name it.
  public let path: String
  /// Every tensor's header entry, in the order of the header.
  public let tensors: [SafetensorsTensorInfo]
  /// The header's `__metadata__` map (empty when absent), e.g. `["format": "pt"]`.
  public let metadata: [String: String]

  private let storage: MappedBytes
  private let dataStart: Int
  private let indexByName: [String: Int]

  /// Maps and validates the safetensors file at `path`.
  ///
  /// - Throws: `TensorIOError` if the file cannot be opened or its header is invalid.
  public convenience init(contentsOf path: String) throws(TensorIOError) {
    let storage: MappedBytes
    do throws(Problem) {
      storage = try MappedBytes(path: path)
    } catch {
      throw error.at(path: path)
    }
    try self.init(storage: storage, path: path)
  }

  /// Validates safetensors bytes held in memory (a copy is kept).
  ///
  /// - Parameters:
  ///   - bytes: the contents of a `.safetensors` file.
  ///   - name: what errors call the data.
  public convenience init(bytes: [UInt8], name: String = "data") throws(TensorIOError) {
    try self.init(storage: MappedBytes(copying: bytes), path: name)
  }

  private init(storage: MappedBytes, path: String) throws(TensorIOError) {
    let header: SafetensorsHeader
    do throws(Problem) {
      header = try SafetensorsHeader.parse(storage.bytes)
    } catch {
      throw error.at(path: path)
    }
    self.path = path
    self.storage = storage
    self.tensors = header.tensors
    self.metadata = header.metadata
    self.dataStart = header.dataStart
    var indexByName: [String: Int] = [:]
    for (index, tensor) in header.tensors.enumerated() { indexByName[tensor.name] = index }
    self.indexByName = indexByName
  }

  /// The names of the tensors, in the order of the header.
  public var names: [String] { tensors.map(\.name) }

  /// The header entry of the tensor called `name`, or nil if there is none.
  public func info(named name: String) -> SafetensorsTensorInfo? {
    indexByName[name].map { tensors[$0] }
  }

  /// The tensor called `name`, converted to `Float`.
  ///
  /// F32 is copied as is; F16, BF16 and the 8-bit floats widen exactly; F64
  /// rounds to the nearest float; integers and BOOL become their values as
  /// floats (integers beyond 2^24 round).
  ///
  /// - Throws: `TensorIOError` if there is no such tensor.
  public func tensor(named name: String) throws(TensorIOError) -> Tensor {
    guard let index = indexByName[name] else {
      let shown = tensors.prefix(5).map { "\"\($0.name)\"" }.joined(separator: ", ")
      throw TensorIOError(
        path: path,
        reason: "no tensor \"\(name)\"; the file holds \(tensors.count)"
          + (tensors.isEmpty ? "" : ": \(shown)\(tensors.count > 5 ? ", …" : "")"))
    }
    return tensor(tensors[index])
  }

  /// Every tensor, converted to `Float`, in the order of the header.
  public func allTensors() -> [(name: String, tensor: Tensor)] {
    tensors.map { info in (info.name, tensor(info)) }
  }

  private func tensor(_ info: SafetensorsTensorInfo) -> Tensor {
    let start = dataStart + info.dataOffsets.lowerBound
    let raw = UnsafeRawBufferPointer(rebasing: storage.bytes[start..<dataStart + info.dataOffsets.upperBound])
    return Tensor(shape: info.shape, scalars: SafetensorsFile.convert(raw, dtype: info.dtype))
  }
}
