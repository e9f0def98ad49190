import FuzzDriver
import TensorIO

/// One input: a safetensors file. Opening it either throws or gives a
/// header whose every tensor converts to Float.
func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: count))
  guard let file = try? SafetensorsFile(bytes: bytes, name: "fuzz.safetensors") else { return 0 }
  for info in file.tensors {
    let tensor = try? file.tensor(named: info.name)
    precondition(tensor == nil || tensor!.shape == info.shape, "\(info.name) read as the wrong shape")
  }
  return 0
}

runFuzzer { data, count in fuzzSafetensors(data, count) }
