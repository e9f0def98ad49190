import AttentionTestSupport
import Foundation
import Testing
import TransformerModels

@Suite struct HeadAblationTests {
  private let ids = [2, 5, 6, 7, 8, 9, 10, 3]

  private func encoding(_ ids: [Int]) -> Encoding {
    Encoding(
      tokens: ids.map(String.init), ids: ids, typeIds: ids.map { _ in 0 }, truncated: false,
      untruncatedLength: ids.count)
  }

  /// Zero and mean ablation against the Float64 forward pass with the
  /// heads' context replaced, every head of a layer among the cases (only
  /// the residual path and the output bias are left).
  @Test(arguments: [([[0, 1]], false), ([[1, 0], [0, 0]], true), ([[0, 0], [0, 1]], false), ([[1, 1]], true)])
  func ablatedRunsMatchTheFloat64Reference(heads: [[Int]], mean: Bool) throws {
    let tiny = TinyBert(seed: 0xAB1A)
    let model = try BertModel(contentsOf: try tiny.writeFolder())
    let ablation = HeadAblation(
      heads: Set(heads.map { HeadIndex(layer: $0[0], head: $0[1]) }), mode: mean ? .mean : .zero)
    let run = try model.run(encoding(ids), options: RunOptions(recordsOutputs: true, ablation: ablation))
    let reference = BertFloat64Reference(model: tiny).forward(
      ids: ids, typeIds: ids.map { _ in 0 }, ablated: Set(heads), meanAblation: mean)
    let attentionError = maximumDifference(run.attention.attentions.scalars, reference.attentions.joined().joined().joined())
    #expect(attentionError < 1e-5, "attention differs by \(attentionError)")
    let means = (0..<tiny.hiddenSize).map { column in reference.hidden.reduce(0) { $0 + $1[column] } / Double(ids.count) }
    let norm = means.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let embedding = try #require(run.sentenceEmbedding)
    #expect(maximumDifference(embedding.scalars, means.map { $0 / norm }) < 1e-5)
    // And it is not the model as it is.
    let plain = try model.run(encoding(ids), options: RunOptions(recordsOutputs: true))
    #expect(maximumDifference(plain.sentenceEmbedding!.scalars, embedding.scalars) > 1e-4)
  }

  /// A head whose columns of the output projection are zero adds nothing:
  /// switching it off changes no bit of the run, for either mode.
  @Test(arguments: HeadAblation.Mode.allCases)
  func aHeadWithAZeroOutputSliceChangesNothingBitForBit(mode: HeadAblation.Mode) throws {
    let tiny = TinyBert(seed: 0xAB1B)
    let headSize = tiny.hiddenSize / tiny.headCount
    let folder = try tiny.writeFolder { tensors in
      let index = tensors.firstIndex { $0.name == "encoder.layer.0.attention.output.dense.weight" }!
      var scalars = tensors[index].tensor.scalars
      for row in 0..<tiny.hiddenSize {
        for column in headSize..<(2 * headSize) { scalars[row * tiny.hiddenSize + column] = 0 }
      }
      tensors[index].tensor = Tensor(shape: tensors[index].tensor.shape, scalars: scalars)
    }
    let model = try BertModel(contentsOf: folder)
    let plain = try model.run(encoding(ids), options: RunOptions(recordsOutputs: true))
    let ablated = try model.run(
      encoding(ids),
      options: RunOptions(
        recordsOutputs: true, ablation: HeadAblation(heads: [HeadIndex(layer: 0, head: 1)], mode: mode)))
    #expect(plain == ablated)
  }

  @Test func aDecodersHeadWithAZeroOutputSliceChangesNothingBitForBit() throws {
    var tiny = TinyLlama()
    let headSize = tiny.hiddenSize / tiny.headCount
    let width = tiny.hiddenSize
    tiny.edit = { name, values in
      guard name == "blk.1.attn_output.weight" else { return }
      for row in 0..<width {
        for column in (2 * headSize)..<(3 * headSize) { values[row * width + column] = 0 }
      }
    }
    let model = try ModelLoader.load(contentsOf: try tiny.writeFile(name: "tiny-llama-ablate"))
    let prompt = try model.tokenize("the cat sat at the hat")
    let head = HeadAblation(heads: [HeadIndex(layer: 1, head: 2)])
    let plain = try model.run(prompt, options: RunOptions(recordsOutputs: true))
    let ablated = try model.run(prompt, options: RunOptions(recordsOutputs: true, ablation: head))
    #expect(plain == ablated)
    // Another head does change the next token's logits, and the effect says so.
    let other = try model.ablationEffect(of: HeadAblation(heads: [HeadIndex(layer: 1, head: 1)]), on: prompt)
    #expect(try #require(other.nextTokenDivergence) > 0)
    #expect(other.attentionChange[0] == 0 && other.attentionChange[1] == 0)
    // Writing with the head off writes what the model writes.
    let generative = try #require(model as? any GenerativeModel)
    let written = try generative.generate(prompt: prompt, options: GenerationOptions(maxTokens: 5)) { _ in }
    let writtenOff = try generative.generate(
      prompt: prompt, options: GenerationOptions(maxTokens: 5, ablation: head)) { _ in }
    #expect(written == writtenOff)
    #expect(throws: DecoderError.self) {
      try model.run(prompt, options: RunOptions(ablation: HeadAblation(heads: [HeadIndex(layer: 0, head: 0)], mode: .mean)))
    }
    #expect(throws: LensError.self) {
      try model.run(prompt, options: RunOptions(ablation: HeadAblation(heads: [HeadIndex(layer: 2, head: 0)])))
    }
  }

  /// The ranking switches off every head alone and sorts by the change.
  @Test func rankingListsEveryHeadLargestChangeFirst() throws {
    let tiny = TinyBert(seed: 0xAB1C)
    let model = try BertModel(contentsOf: try tiny.writeFolder())
    var done: [Int] = []
    let ranking = try model.headRanking(on: encoding(ids)) { done.append($0) }
    #expect(done == Array(1...(tiny.layerCount * tiny.headCount)))
    #expect(Set(ranking.map(\.head)).count == tiny.layerCount * tiny.headCount)
    #expect(zip(ranking, ranking.dropFirst()).allSatisfy { $0.change >= $1.change })
    let first = try model.ablationEffect(of: HeadAblation(heads: [ranking[0].head]), on: encoding(ids))
    #expect(first.change == ranking[0].change)
  }
}
