import AttentionFigures
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

/// Past this many bytes of weights, `attn model` and `attn generate` keep
/// attention records instead (a long run).
let longRunWeightBytes = 1 << 30

/// The exact weights of `rows` × `columns` (all by default) of every head
/// of a long run, as float32 `.npy` `(layers, heads, rows, columns)`.
///
/// - Throws: `CommandError` past 1 GiB, before anything is computed.
func writeRecordedBlocks(_ recording: AttentionRecording, rows: Range<Int>?, columns: Range<Int>?, to path: String)
  throws
{
  let count = recording.tokenCount
  let (queries, keys) = (rows ?? 0..<count, columns ?? 0..<count)
  let (layers, heads) = (recording.layerCount, recording.headCount)
  try checkBlockFile(path, layers: layers, heads: heads, rows: queries.count, columns: keys.count)
  let bytes = 4 * layers * heads * queries.count * keys.count
  var scalars: [Float] = []
  scalars.reserveCapacity(bytes / 4)
  for layer in 0..<layers {
    for head in 0..<heads {
      scalars += try recording.weights(layer: layer, head: head, rows: queries, columns: keys).scalars
    }
  }
  try TensorFile.write(Tensor(shape: [layers, heads, queries.count, keys.count], scalars: scalars), to: path)
}

/// Refuses, before any run, a `--npy` of a long run past 1 GiB.
func checkBlockFile(_ path: String, layers: Int, heads: Int, rows: Int, columns: Int) throws {
  let bytes = 4 * layers * heads * rows * columns
  guard bytes <= 1 << 30 else {
    throw CommandError(
      "\(path): the weights of \(rows) rows × \(columns) columns of \(layers) × \(heads) heads take "
        + "\(bytes >> 20) MiB; at most 1024 MiB are written (narrow --rows and --cols)")
  }
}

/// The page of a long run that opens offline (`LongRunFile`), written whole or not at all.
func writeLongRunPage(
  _ recording: AttentionRecording, model: String, heads: [HeadIndex], rows: Range<Int>?, columns: Range<Int>?,
  mebibytes: Int, to path: String
) throws {
  let name = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
  let file = try naming(path) {
    try LongRunFile(recording, model: name, heads: heads, rows: rows, columns: columns, byteLimit: mebibytes << 20)
  }
  try AtomicFileWriter.write(Array(file.page.utf8), to: path)
}

extension SelectionOptions {
  /// The heads `--layers` and `--heads` name, every pair of them; none when
  /// neither is given (the figures' default is then no choice at all).
  func namedHeads(_ selection: AttentionSelection?) -> [HeadIndex] {
    guard layers != nil || heads != nil, let selection else { return [] }
    return selection.layers.flatMap { layer in selection.heads.map { HeadIndex(layer: layer, head: $0) } }
  }
}
