import AttentionCore
import Foundation
import Hummingbird
import NIOCore
import TensorIO
import TransformerModels

/// Long runs: `POST /api/run` keeps a model's run on a text in the run
/// cache, and `GET /api/runs/{id}/overview` and `/block` answer pooled
/// and exact blocks of its heads, recomputed from its records.
extension AttentionService {
  /// The most cells one block answers: a whole 512-token map.
  static let blockCellLimit = 512 * 512
  /// The most cells a side of an overview.
  static let overviewSizeLimit = 1024

  /// Runs `text` (and `pair`) through the model named `name`, keeping the
  /// records, and answers `{"id", "model", "tokens", "layers", "heads",
  /// "kind", "bytes"}`.
  func startRun(text: String, pair: String?, model name: String?) async throws -> String {
    let served = try self.model(named: name)
    let model = served.model
    let encoding = try Self.encode(text, pair: pair, with: model, what: "text")
    // Set aside before the run, with room for labels of up to 48 bytes each.
    let reservation = try runs.reserve(
      model.recordingByteCount(tokens: encoding.ids.count) + 64 * encoding.ids.count)
    let recording = try await Self.compute { try model.record(encoding) }
    let id = runs.insert(recording, model: served.name, reservation: reservation)
    warmThumbnails(of: id)
    var json = "{\"id\":"
    appendJSONString(id, to: &json)
    json += ",\"model\":"
    appendJSONString(served.name, to: &json)
    json += ",\"tokens\":"
    json += asciiJSONArray(recording.tokens)
    json += ",\"layers\":\(recording.layerCount),\"heads\":\(recording.headCount)"
    json += ",\"kind\":\"\(recording.kind.rawValue)\",\"bytes\":\(recording.byteCount)}"
    return json
  }

  /// The thumbnail size and pooling the page `GET /long` asks for first.
  static let thumbnail = (size: 64, pooling: AttentionRecord.Pooling.max)

  /// Computes every head's thumbnail of run `id` in the background, layer
  /// by layer as the page asks for them, so that they are ready or on
  /// their way when asked (a head a request is already computing is left
  /// to it); stops if the run is evicted.
  private func warmThumbnails(of id: String) {
    let runs = self.runs
    Self.computeQueue.async {
      guard let entry = try? runs.run(id) else { return }
      let recording = entry.recording
      for layer in 0..<recording.layerCount {
        for head in 0..<recording.headCount {
          guard runs.contains(id) else { return }
          let key = OverviewStore.Key(layer: layer, head: head, size: Self.thumbnail.size, pooling: Self.thumbnail.pooling)
          guard case .compute = entry.overviews.claim(key) else { continue }
          entry.overviews.finish(
            key,
            try? recording.overview(layer: layer, head: head, size: Self.thumbnail.size, pooling: Self.thumbnail.pooling))
        }
      }
    }
  }

  /// What a block or overview request names: the run, a head, the rows and columns.
  struct RunRegion: Sendable {
    let recording: AttentionRecording
    /// The run's overviews already computed.
    let overviews: OverviewStore
    /// From 0.
    let layer: Int
    let head: Int
    let rows: Range<Int>
    let columns: Range<Int>

    /// `layer=&head=` from 1, `rows=a:b&cols=c:d` positions from 0, end
    /// excluded (the whole run when absent, if `required` is false).
    init(_ entry: RunCache.Entry, query: FormQuery, required: Bool) throws {
      recording = entry.recording
      overviews = entry.overviews
      let count = recording.tokenCount
      layer = try Self.index(query, "layer", upTo: recording.layerCount) - 1
      head = try Self.index(query, "head", upTo: recording.headCount) - 1
      rows = try Self.range(query, "rows", count: count, required: required)
      columns = try Self.range(query, "cols", count: count, required: required)
    }

    private static func index(_ query: FormQuery, _ name: String, upTo count: Int) throws -> Int {
      guard let text = query[name], let value = Int(text) else {
        throw ServeError(status: .badRequest, "the query needs \"\(name)\", a number from 1")
      }
      guard (1...count).contains(value) else {
        throw ServeError(status: .unprocessableContent, "\(name) \(value) is outside the run's 1-\(count)")
      }
      return value
    }

    private static func range(_ query: FormQuery, _ name: String, count: Int, required: Bool) throws -> Range<Int> {
      guard let text = query[name], !text.isEmpty else {
        if required { throw ServeError(status: .badRequest, "the query needs \"\(name)\", positions as a:b") }
        return 0..<count
      }
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, let start = Int(parts[0]), let end = Int(parts[1]) else {
        throw ServeError(status: .badRequest, "\"\(name)\" \"\(text.prefix(40))\": positions as a:b, like 0:64")
      }
      guard 0 <= start, start < end, end <= count else {
        throw ServeError(
          status: .unprocessableContent,
          "\"\(name)\" \(start):\(end) is not a range of the run's \(count) tokens (0 ≤ a < b ≤ \(count))")
      }
      return start..<end
    }
  }

  /// The exact weights of `region`.
  static func block(_ region: RunRegion) async throws -> Tensor {
    let cells = region.rows.count * region.columns.count
    guard cells <= blockCellLimit else {
      throw ServeError(
        status: .unprocessableContent,
        "a block of \(region.rows.count) × \(region.columns.count) is \(cells) cells; at most \(blockCellLimit)")
    }
    return try await compute {
      try region.recording.weights(layer: region.layer, head: region.head, rows: region.rows, columns: region.columns)
    }
  }

  /// `region` pooled into at most `size` × `size` cells: a whole map from
  /// the run's store when it was computed before (or is being computed),
  /// and kept there.
  static func overview(_ region: RunRegion, size: Int, pooling: AttentionRecord.Pooling) async throws -> Tensor {
    let count = region.recording.tokenCount
    let compute = { @Sendable in
      try region.recording.overview(
        layer: region.layer, head: region.head, rows: region.rows, columns: region.columns, size: size,
        pooling: pooling)
    }
    guard region.rows == 0..<count && region.columns == 0..<count else { return try await Self.compute(compute) }
    let key = OverviewStore.Key(layer: region.layer, head: region.head, size: size, pooling: pooling)
    switch region.overviews.claim(key) {
    case .kept(let map):
      return map
    case .wait(let group):
      await withCheckedContinuation { continuation in group.notify(queue: computeQueue) { continuation.resume() } }
      if let map = region.overviews[key] { return map }
      return try await Self.compute(compute)
    case .compute:
      do {
        let map = try await Self.compute(compute)
        region.overviews.finish(key, map)
        return map
      } catch {
        region.overviews.finish(key, nil)
        throw error
      }
    }
  }
}

/// `{"layer", "head", "rows": [a, b], "cols": [c, d], ..., "weights": [[..]]}`,
/// each number the shortest decimal that reads back as the same float32;
/// `extra` goes before the weights.
func regionJSON(_ region: AttentionService.RunRegion, extra: String = "", weights: Tensor) -> String {
  var json = "{\"layer\":\(region.layer + 1),\"head\":\(region.head + 1)"
  json += ",\"rows\":[\(region.rows.lowerBound),\(region.rows.upperBound)]"
  json += ",\"cols\":[\(region.columns.lowerBound),\(region.columns.upperBound)]"
  json += extra + ",\"weights\":["
  let (rows, columns) = (weights.shape[0], weights.shape[1])
  var buffer = [UInt8](repeating: 0, count: ShortestDecimal.maximumLength)
  var bytes: [UInt8] = []
  bytes.reserveCapacity(rows * columns * 10)
  weights.scalars.withUnsafeBufferPointer { scalars in
    buffer.withUnsafeMutableBufferPointer { buffer in
      for row in 0..<rows {
        bytes.append(row == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
        if row > 0 { bytes.append(UInt8(ascii: "[")) }
        for column in 0..<columns {
          if column > 0 { bytes.append(UInt8(ascii: ",")) }
          let length = ShortestDecimal.write(scalars[row * columns + column], to: buffer.baseAddress!)
          bytes.append(contentsOf: buffer[0..<length])
        }
        bytes.append(UInt8(ascii: "]"))
      }
    }
  }
  return json + String(decoding: bytes, as: UTF8.self) + "]}"
}

/// A block or overview as `?format=npy` asks: float32 `.npy`, C order.
func regionNpy(_ weights: Tensor) throws -> Response {
  let npy = try TensorFile.encode(weights, format: .npy)
  return Response(
    status: .ok, headers: [.contentType: AttentionFormat.npyMediaType],
    body: ResponseBody(byteBuffer: ByteBuffer(bytes: npy)))
}
