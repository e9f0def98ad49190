import FuzzDriver
import TensorIO

/// One input: read as a `.npy` array and as a `.npz` archive. Each either
/// throws or gives tensors whose element count matches their shape.
func fuzzNumPy(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: count))
  if let tensor = try? TensorFile.decode(bytes, format: .npy, name: "fuzz.npy") {
    precondition(tensor.scalars.count == tensor.shape.reduce(1, *), "npy: \(tensor.shape)")
  }
  for (name, tensor) in (try? TensorFile.decodeArchive(bytes, name: "fuzz.npz")) ?? [] {
    precondition(tensor.scalars.count == tensor.shape.reduce(1, *), "npz \(name): \(tensor.shape)")
  }
  return 0
}

runFuzzer { data, count in fuzzNumPy(data, count) }
