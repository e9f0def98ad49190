// The attention of the attention chapter on the CPU: matmul, softmax and
// masked softmax, attention pooling with its scoring functions, the d2l
// layers and the flash-style scaled dot-product attention. Its values are
// `Tensor`s, which every user of AttentionCore sees without importing Tensors.
@_exported import Tensors
