import AttentionCore
import Foundation
import Heatmaps
import TensorIO
import TransformerModels

/// A long run written into one HTML file that opens offline
/// (`renderLongRunPage`): every head pooled into a thumbnail, the chosen
/// heads pooled finer, and exact weights of a crop of them, all within a
/// byte limit. What it holds is said in the page (`note`).
///
/// Numbers are float32 little-endian in base64: 5⅓ bytes a weight, and
/// read back bit for bit.
public struct LongRunFile: Sendable {
  /// The limit when none is given: 32 MiB, which a browser opens at once.
  public static let defaultByteLimit = 32 << 20
  /// Each head's thumbnail: at most this many cells a side, max-pooled so
  /// that a sharp diagonal or a sink column stays visible.
  public static let thumbnailSize = 64
  /// The chosen heads' overviews: at most this many cells a side.
  public static let largestOverview = 1024

  /// The page's data: the JSON `renderLongRunPage(data:)` embeds.
  public let json: String
  /// What the file holds, in one sentence.
  public let note: String

  /// - Parameters:
  ///   - model: the model's name, for the page's title.
  ///   - heads: the heads carried in detail: pooled as finely as the limit
  ///     allows (mean and max), and exact over `rows` × `columns` (when
  ///     either is given; else exact whole when those maps fit in half the limit).
  ///   - byteLimit: the most bytes of data; refused beyond.
  /// - Throws: `LensError` for a head or range outside the run, or data
  ///   that cannot fit the limit.
  public init(
    _ recording: AttentionRecording, model: String, heads: [HeadIndex], rows: Range<Int>? = nil,
    columns: Range<Int>? = nil, byteLimit: Int = defaultByteLimit
  ) throws {
    let (layerCount, headCount, count) = (recording.layerCount, recording.headCount, recording.tokenCount)
    if let outside = heads.first(where: { !(0..<layerCount).contains($0.layer) || !(0..<headCount).contains($0.head) }) {
      throw LensError("head \(outside) is outside the model, which has layers 1-\(layerCount) and heads 1-\(headCount)")
    }
    let base64Bytes = { (floats: Int) in (4 * floats + 2) / 3 * 4 }
    var json = "{\"model\":"
    appendJSONString(model, to: &json)
    json += ",\"kind\":\"\(recording.kind.rawValue)\",\"layers\":\(layerCount),\"heads\":\(headCount),\"tokens\":["
    for (index, token) in recording.tokens.enumerated() {
      if index > 0 { json += "," }
      appendJSONString(token, to: &json)
    }
    json += "]"

    // Every head's thumbnail.
    let thumbnailCells = min(Self.thumbnailSize, count)
    let thumbnailStarts = AttentionRecord.binStarts(of: 0..<count, cells: thumbnailCells)
    var thumbnails: [Float] = []
    thumbnails.reserveCapacity(layerCount * headCount * thumbnailCells * thumbnailCells)
    for layer in 0..<layerCount {
      for head in 0..<headCount {
        thumbnails += try recording.overview(layer: layer, head: head, size: thumbnailCells, pooling: .max).scalars
      }
    }
    let starts = "[" + thumbnailStarts.map(String.init).joined(separator: ",") + "]"
    json += ",\"thumbnails\":{\"size\":\(Self.thumbnailSize),\"pooling\":\"max\",\"row_starts\":\(starts)"
    json += ",\"col_starts\":\(starts),\"data\":\"\(Self.base64(thumbnails))\"}"

    // The exact blocks: the crop asked for, or whole maps that fit in half the limit.
    let cropped = rows != nil || columns != nil
    let (queries, keys) = (rows ?? 0..<count, columns ?? 0..<count)
    guard queries.lowerBound >= 0, queries.upperBound <= count, keys.lowerBound >= 0, keys.upperBound <= count,
      !queries.isEmpty, !keys.isEmpty
    else {
      throw LensError("the rows and columns must lie within the text's tokens 0-\(count - 1)")
    }
    let blockBytes = heads.count * base64Bytes(queries.count * keys.count)
    let withBlocks = !heads.isEmpty && (cropped || blockBytes <= byteLimit / 2)
    var used = json.utf8.count + 200 + (withBlocks ? blockBytes : 0)
    guard used <= byteLimit else {
      let what = withBlocks ? "the thumbnails and the exact \(queries.count) × \(keys.count) blocks" : "the thumbnails"
      throw LensError(
        "\(what) take \(used >> 20) MiB, more than the \(byteLimit >> 20) MiB allowed; "
          + "narrow --rows and --cols, choose fewer heads, or raise the limit")
    }
    // The overviews, as fine as the rest of the limit allows.
    var overviewSize = 0
    if !heads.isEmpty {
      let room = Double(byteLimit - used) / Double(heads.count * 2 * base64Bytes(1) + 1)
      overviewSize = min(Self.largestOverview, count, Int(room.squareRoot()))
    }
    var overviews: [String] = []
    if overviewSize > Self.thumbnailSize {
      let cells = AttentionRecord.binStarts(of: 0..<count, cells: overviewSize)
      let starts = "[" + cells.map(String.init).joined(separator: ",") + "]"
      for index in heads {
        for pooling in AttentionRecord.Pooling.allCases {
          let map = try recording.overview(layer: index.layer, head: index.head, size: overviewSize, pooling: pooling)
          overviews.append(
            "{\"layer\":\(index.layer + 1),\"head\":\(index.head + 1),\"pooling\":\"\(pooling.rawValue)\""
              + ",\"rows\":[0,\(count)],\"cols\":[0,\(count)],\"row_starts\":\(starts),\"col_starts\":\(starts)"
              + ",\"data\":\"\(Self.base64(map.scalars))\"}")
        }
      }
    }
    used += overviews.reduce(0) { $0 + $1.utf8.count }
    var blocks: [String] = []
    if withBlocks {
      for index in heads {
        let block = try recording.weights(layer: index.layer, head: index.head, rows: queries, columns: keys)
        blocks.append(
          "{\"layer\":\(index.layer + 1),\"head\":\(index.head + 1),\"rows\":[\(queries.lowerBound),\(queries.upperBound)]"
            + ",\"cols\":[\(keys.lowerBound),\(keys.upperBound)],\"data\":\"\(Self.base64(block.scalars))\"}")
      }
    }

    var note = "Every head pooled to \(thumbnailCells) × \(thumbnailCells) cells by max"
    if heads.isEmpty {
      note += "; choose heads (--layers, --heads) to carry them in more detail."
    } else {
      let names = heads.map(\.description).joined(separator: ", ")
      note += "; head\(heads.count > 1 ? "s" : "") \(names)"
      if !overviews.isEmpty { note += " pooled to \(overviewSize) × \(overviewSize) (mean and max)" }
      if withBlocks {
        note += "\(overviews.isEmpty ? "" : ", and") exact over queries \(queries.lowerBound)–\(queries.upperBound - 1)"
          + " × keys \(keys.lowerBound)–\(keys.upperBound - 1)"
      }
      note += "."
    }
    json += ",\"note\":"
    appendJSONString(note, to: &json)
    json += ",\"overviews\":[" + overviews.joined(separator: ",") + "],\"blocks\":[" + blocks.joined(separator: ",") + "]}"
    self.json = json
    self.note = note
  }

  /// The page itself.
  public var page: String { renderLongRunPage(data: json) }

  /// Float32 little-endian, base64.
  static func base64(_ values: [Float]) -> String {
    // x86-64 and arm64 store floats little-endian, as the page reads them.
    values.withUnsafeBytes { Data($0) }.base64EncodedString()
  }
}
