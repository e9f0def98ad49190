import AttentionCore
import CAttentionKernels
import TensorIO

/// Where a decoder's weights are read from: the tensors of a GGUF file
/// (mapped, quantized or not) or the safetensors file of a Hugging Face
/// folder (F32, F16 or BF16, read as Float32). Every shape is checked
/// against the one the config implies, and every refusal names the file
/// and the tensor.
enum DecoderWeights {
  case gguf(GGUFFile)
  case safetensors(SafetensorsFile)

  /// The file errors name.
  var path: String {
    switch self {
    case .gguf(let file): file.path
    case .safetensors(let file): file.path
    }
  }

  /// Where the sizes a shape is checked against come from, for messages.
  private var sizesSource: String {
    switch self {
    case .gguf: "the metadata"
    case .safetensors: "config.json"
    }
  }

  /// The shape of tensor `name`, nil if the file has none.
  func shape(of name: String) -> [Int]? {
    switch self {
    case .gguf(let file): file.tensor(named: name)?.shape
    case .safetensors(let file): file.info(named: name)?.shape
    }
  }

  /// Tensor `name` as Float32, checked to be `shape`.
  func floats(_ name: String, shape: [Int]) throws(ModelLoadError) -> [Float] {
    try check(name, shape: shape)
    switch self {
    case .gguf(let file):
      do { return try file.dequantize(file.tensor(named: name)!).scalars } catch {
        throw ModelLoadError(path: path, reason: error.reason)
      }
    case .safetensors(let file):
      do { return try file.tensor(named: name).scalars } catch {
        throw ModelLoadError(path: path, reason: error.reason)
      }
    }
  }

  /// The weight `name`, `[outputs, inputs]`, with `bias`: quantized blocks
  /// left mapped on the quantized path of a GGUF file, Float32 otherwise.
  func matrix(
    _ name: String, outputs: Int, inputs: Int, bias: [Float]? = nil, arithmetic: LlamaModel.Arithmetic
  ) throws(ModelLoadError) -> DecoderMatrix {
    switch self {
    case .gguf(let file):
      try check(name, shape: [outputs, inputs])
      return try DecoderMatrix(
        file.tensor(named: name)!, of: file, outputs: outputs, inputs: inputs, bias: bias,
        arithmetic: arithmetic)
    case .safetensors:
      return DecoderMatrix(
        weights: try floats(name, shape: [outputs, inputs]), outputs: outputs, inputs: inputs, bias: bias)
    }
  }

  /// The token embedding `name`, `[rows, width]`.
  func embedding(_ name: String, rows: Int, width: Int) throws(ModelLoadError) -> DecoderEmbedding {
    switch self {
    case .gguf(let file):
      try check(name, shape: [rows, width])
      return DecoderEmbedding(file: file, tensor: file.tensor(named: name)!, width: width)
    case .safetensors:
      return DecoderEmbedding(rows: try floats(name, shape: [rows, width]), width: width)
    }
  }

  private func check(_ name: String, shape: [Int]) throws(ModelLoadError) {
    guard let found = self.shape(of: name) else {
      throw ModelLoadError(path: path, reason: "no tensor \(name)")
    }
    guard found == shape else {
      throw ModelLoadError(path: path, reason: "tensor \(name) is \(found), \(sizesSource) needs \(shape)")
    }
  }
}

/// A decoder's token embedding, `[V, D]`, read a row at a time: from a
/// GGUF file's blocks, dequantized as it is read, or from Float32 rows.
struct DecoderEmbedding: @unchecked Sendable {
  /// `D`.
  let width: Int
  /// The mapped file and its tensor, when the rows stay in their blocks.
  private let file: GGUFFile?
  private let tensor: GGUFTensorInfo?
  /// `[V, D]`, when the rows were read as Float32.
  private let table: [Float]

  init(file: GGUFFile, tensor: GGUFTensorInfo, width: Int) {
    self.file = file
    self.tensor = tensor
    self.width = width
    table = []
  }

  init(rows: [Float], width: Int) {
    file = nil
    tensor = nil
    self.width = width
    table = rows
  }

  /// The embedding rows of `ids`: `[T, D]`.
  func rows(_ ids: [Int]) -> [Float] {
    var rows = [Float](repeating: 0, count: ids.count * width)
    if let file, let tensor {
      let bytes = file.bytes(of: tensor)
      let rowBytes = tensor.byteCount / tensor.shape[0]
      rows.withUnsafeMutableBufferPointer { rows in
        for (token, id) in ids.enumerated() {
          _ = ak_dequantize(
            Int32(tensor.type.rawValue), bytes.baseAddress! + id * rowBytes,
            rows.baseAddress! + token * width, width)
        }
      }
      return rows
    }
    for (token, id) in ids.enumerated() {
      for feature in 0..<width { rows[token * width + feature] = table[id * width + feature] }
    }
    return rows
  }
}
