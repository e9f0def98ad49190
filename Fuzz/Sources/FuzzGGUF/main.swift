import FuzzDriver
import TensorIO
import TransformerModels

/// One input: a GGUF file. Opening it either throws or gives a file whose
/// every tensor lies inside the bytes and dequantizes; its metadata, read
/// as a byte-level BPE tokenizer, either is refused or encodes a text.
func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: count))
  guard let file = try? GGUFFile(bytes: bytes, name: "fuzz.gguf") else { return 0 }
  for tensor in file.tensors {
    let stored = file.bytes(of: tensor)
    precondition(
      stored.count == tensor.byteCount, "\(tensor.name): \(stored.count) bytes, \(tensor.byteCount) claimed")
    if let values = try? file.dequantize(tensor) {
      precondition(
        values.scalars.count == tensor.elementCount, "\(tensor.name) dequantized to the wrong count")
    }
  }
  if let tokenizer = try? ByteLevelBPETokenizer(gguf: file) {
    _ = try? tokenizer.encode("Hello, 世界! 123  \n<|im_start|>", pair: nil)
  }
  return 0
}

runFuzzer { data, count in fuzzGGUF(data, count) }
