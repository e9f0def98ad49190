// Reads a .npy, runs scaled dot-product attention, draws the weights as a
// PNG, and draws a model's attention over a sentence.
//
//   swift run QuickStart OUT_DIR [MODEL_FOLDER]
import AttentionCore
import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

let arguments = CommandLine.arguments.dropFirst()
guard let outputFolder = arguments.first else {
  FileHandle.standardError.write(Data("usage: QuickStart OUT_DIR [MODEL_FOLDER]\n".utf8))
  exit(64)
}
try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)

// 1. Queries, keys and values in a .npy file, as NumPy would write them.
let queriesPath = outputFolder + "/queries.npy"
try TensorFile.write(Tensor.randn([1, 2, 6, 8], seed: 7), to: queriesPath)
let queries = try TensorFile.read(contentsOf: queriesPath)  // [B, H, Lq, D]
let keys = Tensor.randn([1, 2, 9, 8], seed: 8)  // [B, H, Lk, D]
let values = Tensor.randn([1, 2, 9, 4], seed: 9)  // [B, H, Lk, Dv]

// 2. Scaled dot-product attention, with a causal mask aligned to the last keys.
let (output, weights) = try scaledDotProductAttentionWithWeights(
  queries: queries, keys: keys, values: values, mask: .causal(.bottomRight))
print("attention output \(output.shape), weights \(weights.shape)")
for row in stride(from: 0, to: weights.count, by: 9) {
  let sum = weights.scalars[row..<row + 9].reduce(0, +)
  guard abs(sum - 1) < 1e-5 else { fatalError("a row of weights sums to \(sum)") }
}

// 3. The weights as a figure: one panel per head.
let figure = try attentionWeightsFigure(weights.reshaped([2, 6, 9]), headsAcross: true)
try renderFigure(figure, to: outputFolder + "/weights.png")
print("wrote \(outputFolder)/weights.png")

// 4. A model's attention over a sentence, every layer and head.
guard let modelFolder = arguments.dropFirst().first else {
  print("no model folder given; the model step is left out")
  exit(0)
}
let model = try ModelLoader.load(contentsOf: modelFolder)
let attention = try model.attention(text: "The cat sat on the mat.")
print(
  "\(model.summary.architecture): \(attention.tokens.joined(separator: " ")) \(attention.attentions.shape)")
let modelFigure = try ModelFigure(
  attention, selection: .all(layerCount: model.summary.layerCount, headCount: model.summary.headCount))
try renderFigure(modelFigure.heatmap, to: outputFolder + "/model.png")
print("wrote \(outputFolder)/model.png")
