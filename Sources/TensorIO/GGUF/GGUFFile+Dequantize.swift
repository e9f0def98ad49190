import CAttentionKernels
import Tensors

extension GGUFFile {
  /// The tensor's values as `Float`, row-major, of shape `tensor.shape`.
  ///
  /// F32 is copied, F16 and BF16 widen exactly, and the quantized types
  /// are expanded block by block as ggml expands them.
  ///
  /// - Parameter tensor: one of this file's `tensors`.
  /// - Throws: `TensorIOError` if `tensor` is not an unchanged entry of this file, or its type cannot be
  ///   read.
  public func dequantize(_ tensor: GGUFTensorInfo) throws(TensorIOError) -> Tensor {
    guard self.tensor(named: tensor.name) == tensor else {
      throw TensorIOError(
        path: path, reason: "no tensor \(GGUFHeader.quoted(tensor.name)) with this entry in the file")
    }
    let raw = bytes(of: tensor)
    let count = tensor.elementCount
    var failed = false
    let scalars = [Float](unsafeUninitializedCapacity: count) { output, initialized in
      func each<T: FixedWidthInteger>(_: T.Type, _ transform: (T) -> Float) {
        for index in 0..<count {
          let value = T(
            littleEndian: raw.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self))
          output[index] = transform(value)
        }
      }
      switch tensor.type {
      case .f32: each(UInt32.self) { Float(bitPattern: $0) }
      case .f16: each(UInt16.self) { NumPyArray.halfToFloat($0) }
      // bfloat16 is the top half of a float32, so widening is exact.
      case .bf16: each(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
      default:
        failed = ak_dequantize(Int32(tensor.type.rawValue), raw.baseAddress, output.baseAddress, count) != 0
      }
      initialized = count
    }
    guard !failed else {
      throw TensorIOError(
        path: path, reason: "tensor \(GGUFHeader.quoted(tensor.name)): \(tensor.type.name) could not be dequantized")
    }
    return Tensor(shape: tensor.shape, scalars: scalars)
  }
}
