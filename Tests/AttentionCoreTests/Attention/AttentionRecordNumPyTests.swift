import Foundation
import Testing

@testable import AttentionCore

/// Overviews against NumPy: the maps of seeded random queries and keys,
/// computed and pooled in float64 by scripts/reference/overview_fixtures.py
/// (Fixtures/overview), whole and in blocks, mean and max, causal or not.
@Suite struct AttentionRecordNumPyTests {
  struct Case: Decodable {
    let name: String
    let causal: Bool
    let head: Int
    let rows: [Int]
    let cols: [Int]
    let size: Int
    let pooling: String
    let shape: [Int]
  }

  struct Manifest: Decodable {
    let heads: Int
    let length: Int
    let depth: Int
    let cases: [Case]
  }

  private static let folder = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/overview")

  private static func read<T>(_ name: String, as type: T.Type) throws -> [T] {
    let data = try Data(contentsOf: folder.appendingPathComponent(name))
    return data.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
  }

  static let manifest: Manifest = try! JSONDecoder().decode(
    Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("cases.json")))

  @Test(arguments: manifest.cases.map(\.name))
  func overviewsMatchNumPy(name: String) throws {
    let manifest = Self.manifest
    let item = try #require(manifest.cases.first { $0.name == name })
    // The heads as the batch of 3-D inputs.
    let shape = [manifest.heads, manifest.length, manifest.depth]
    let queries = Tensor(shape: shape, scalars: try Self.read("queries.f32", as: Float.self))
    let keys = Tensor(shape: shape, scalars: try Self.read("keys.f32", as: Float.self))
    let (_, record) = try scaledDotProductAttentionRecorded(
      queries: queries, keys: keys, values: keys, mask: item.causal ? .causal : .none)
    let overview = try record.overview(
      batch: item.head, rows: item.rows[0]..<item.rows[1], columns: item.cols[0]..<item.cols[1], size: item.size,
      pooling: try #require(AttentionRecord.Pooling(rawValue: item.pooling)))
    #expect(overview.shape == item.shape)
    let expected = try Self.read(item.name + ".f64", as: Double.self)
    #expect(expected.count == overview.count)
    let worst = zip(overview.scalars, expected).map { abs(Double($0) - $1) / max(abs($1), 1e-6) }.max() ?? 1
    #expect(worst < 1e-5, "\(name): relative error \(worst)")
  }
}
