/// A GGUF file, llama.cpp's model format: typed metadata and named tensors,
/// most of them quantized, behind a binary header.
///
/// Opening maps the file with `mmap` and validates the whole header (see
/// `GGUFHeader`) before anything else: versions 2 and 3, little-endian; a
/// malformed file gives a `TensorIOError` naming the file and the problem,
/// never a crash. Only the header's pages are read; a tensor's bytes are
/// touched when `bytes(of:)` or `dequantize(_:)` reads them. The object
/// never changes after it is made, and the mapping lasts as long as it does.
///
/// ```swift
/// let file = try GGUFFile(contentsOf: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let layers = try file.integer("llama.block_count")                  // 30
/// let embedding = file.tensor(named: "token_embd.weight")!            // Q8_0, shape [49152, 576]
/// let weights = try file.dequantize(embedding)                       // Tensor [49152, 576]
/// ```
public final class GGUFFile: @unchecked Sendable {
  /// The path as given, or the name given for bytes in memory; errors name it.
  public let path: String
  /// The format version: 2 or 3.
  public let version: Int
  /// The alignment of the data section and of every tensor in it: `general.alignment`, or 32.
  public let alignment: Int
  /// Every metadata entry, in file order.
  public let metadata: [GGUFMetadataEntry]
  /// Every tensor's entry, in file order; each `offset` counts from the start of the file.
  public let tensors: [GGUFTensorInfo]

  private let storage: MappedBytes
  private let indexByKey: [String: Int]
  private let indexByName: [String: Int]

  /// Maps and validates the GGUF file at `path`.
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

  /// Validates GGUF bytes held in memory (a copy is kept).
  ///
  /// - Parameters:
  ///   - bytes: the contents of a `.gguf` file.
  ///   - name: what errors call the data.
  public convenience init(bytes: [UInt8], name: String) throws(TensorIOError) {
    try self.init(storage: MappedBytes(copying: bytes), path: name)
  }

  private init(storage: MappedBytes, path: String) throws(TensorIOError) {
    let header: GGUFHeader
    do throws(Problem) {
      header = try GGUFHeader.parse(storage.bytes)
    } catch {
      throw error.at(path: path)
    }
    self.path = path
    self.storage = storage
    self.version = header.version
    self.alignment = header.alignment
    self.metadata = header.metadata
    self.tensors = header.tensors
    // The header refused duplicate keys and names, so each index is unique.
    self.indexByKey = Dictionary(uniqueKeysWithValues: header.metadata.enumerated().map { ($1.key, $0) })
    self.indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
  }

  /// The value of metadata `key`, or nil if the file has none.
  public subscript(key: String) -> GGUFValue? {
    indexByKey[key].map { metadata[$0].value }
  }

  /// The entry of the tensor called `name`, or nil if there is none.
  public func tensor(named name: String) -> GGUFTensorInfo? {
    indexByName[name].map { tensors[$0] }
  }

  /// The tensor's bytes inside the mapping (its blocks, as `quant_blocks.h` lays them out); valid as
  /// long as this object lives.
  ///
  /// - Precondition: `tensor` is one of this file's `tensors`, unchanged.
  public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
    precondition(
      indexByName[tensor.name].map { tensors[$0] == tensor } == true,
      "\(path): \"\(tensor.name)\" is not an unchanged tensor entry of this file")
    return UnsafeRawBufferPointer(rebasing: storage.bytes[tensor.offset..<tensor.offset + tensor.byteCount])
  }

  /// Drops the tensor's pages from memory once a caller holds its own copy
  /// of them (say, in another layout), so the model's weights are resident
  /// once. `bytes(of:)` stays valid: touching it reads the file again.
  ///
  /// - Precondition: `tensor` is one of this file's `tensors`, unchanged.
  public func releaseResidentPages(of tensor: GGUFTensorInfo) {
    precondition(
      indexByName[tensor.name].map { tensors[$0] == tensor } == true,
      "\(path): \"\(tensor.name)\" is not an unchanged tensor entry of this file")
    storage.releasePages(in: tensor.offset..<tensor.offset + tensor.byteCount)
  }
}
