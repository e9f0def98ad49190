import AttentionCore
import Foundation

/// Which layers and heads of a model's attentions to show, chosen with the
/// 1-based lists people type (`"1,6"`, `"2-4"`, `"1,3-5"`).
public struct AttentionSelection: Sendable, Equatable {
  /// How the chosen heads of a layer are combined into one map.
  public enum Aggregation: String, Sendable {
    case mean
    case max
  }

  /// 0-based layer indices, in the order given.
  public let layers: [Int]
  /// 0-based head indices, in the order given.
  public let heads: [Int]

  /// Parses the lists; `nil` selects every layer or head.
  ///
  /// - Throws: `SelectionError` for a list that is not numbers and ranges,
  ///   or an index outside `1...layerCount` / `1...headCount`.
  public init(layers: String?, heads: String?, layerCount: Int, headCount: Int) throws(SelectionError) {
    self.layers = try Self.indices(layers, option: "--layers", count: layerCount, noun: "layers")
    self.heads = try Self.indices(heads, option: "--heads", count: headCount, noun: "heads")
  }

  /// The heads as the user wrote them, for a title: "1-12", "1,3".
  public var headsDescription: String {
    let numbers = heads.map { $0 + 1 }
    if numbers.count > 1, numbers == Array(numbers[0]...numbers[numbers.count - 1]) {
      return "\(numbers[0])-\(numbers[numbers.count - 1])"
    }
    return numbers.map(String.init).joined(separator: ",")
  }

  /// The chosen maps of `attentions` `[N, H, L, L]`: `[layers, heads, L, L]`,
  /// or `[layers, 1, L, L]` when the heads are combined.
  public func select(_ attentions: Tensor, aggregate: Aggregation? = nil) -> Tensor {
    precondition(attentions.rank == 4, "attentions \(attentions.shape) must be [N, H, L, L]")
    let (headCount, mapSize) = (attentions.shape[1], attentions.shape[2] * attentions.shape[3])
    var scalars: [Float] = []
    scalars.reserveCapacity(layers.count * (aggregate == nil ? heads.count : 1) * mapSize)
    attentions.scalars.withUnsafeBufferPointer { source in
      for layer in layers {
        let maps = heads.map { head in
          let start = (layer * headCount + head) * mapSize
          return UnsafeBufferPointer(rebasing: source[start..<(start + mapSize)])
        }
        switch aggregate {
        case nil:
          for map in maps { scalars.append(contentsOf: map) }
        case .mean:
          let scale = 1 / Float(maps.count)
          for index in 0..<mapSize {
            var sum: Float = 0
            for map in maps { sum += map[index] }
            scalars.append(sum * scale)
          }
        case .max:
          for index in 0..<mapSize {
            scalars.append(maps.map { $0[index] }.max() ?? 0)
          }
        }
      }
    }
    let columns = aggregate == nil ? heads.count : 1
    return Tensor(shape: [layers.count, columns, attentions.shape[2], attentions.shape[3]], scalars: scalars)
  }

  private static func indices(_ list: String?, option: String, count: Int, noun: String)
    throws(SelectionError)
    -> [Int]
  {
    guard let list else { return Array(0..<count) }
    var result: [Int] = []
    for item in list.split(separator: ",", omittingEmptySubsequences: false) {
      let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
      let numbers = bounds.map { Int(String($0).trimmingCharacters(in: .whitespaces)) }
      guard (1...2).contains(bounds.count), numbers.allSatisfy({ $0 != nil }), let first = numbers[0],
        let last = numbers.last!
      else {
        throw SelectionError("\(option) \"\(list)\": \"\(item)\" is not a number or a range like 2-4")
      }
      guard first <= last else {
        throw SelectionError("\(option) \"\(list)\": range \(item) runs backwards")
      }
      guard first >= 1, last <= count else {
        throw SelectionError("\(option) \"\(list)\": the model has \(noun) 1-\(count)")
      }
      result += (first - 1)...(last - 1)
    }
    return result
  }
}

/// A layer or head list that cannot be used, with the option named.
public struct SelectionError: Error, CustomStringConvertible, Equatable, Sendable {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }
}
