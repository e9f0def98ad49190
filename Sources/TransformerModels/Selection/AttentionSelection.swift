/// Which layers and heads of a model's attentions to show, and whether the
/// chosen heads of a layer are combined into one map.
///
/// Layers and heads are numbered from 1, as every figure titles them.
public struct AttentionSelection: Sendable, Equatable {
  /// How the chosen heads of a layer are combined into one map.
  public enum Aggregation: String, Sendable, CaseIterable {
    case mean
    case max
  }

  /// 0-based layer indices, in the order given.
  public let layers: [Int]
  /// 0-based head indices, in the order given.
  public let heads: [Int]
  /// How the chosen heads of each layer become one map; `nil` keeps each head.
  public let aggregate: Aggregation?

  /// Chooses layers and heads by their numbers; `nil` chooses them all.
  ///
  /// - Parameters:
  ///   - layers: layer numbers in `1...layerCount`, in the order to draw them.
  ///   - heads: head numbers in `1...headCount`.
  /// - Throws: `SelectionError` for an empty list or a number outside the model.
  public init(
    layers: [Int]? = nil, heads: [Int]? = nil, layerCount: Int, headCount: Int, aggregate: Aggregation? = nil
  ) throws(SelectionError) {
    self.layers = try Self.indices(layers, count: layerCount, axis: .layers)
    self.heads = try Self.indices(heads, count: headCount, axis: .heads)
    self.aggregate = aggregate
  }

  /// Every layer and head of a model with these sizes.
  public static func all(layerCount: Int, headCount: Int) -> AttentionSelection {
    try! AttentionSelection(layerCount: layerCount, headCount: headCount)
  }

  /// The heads as a person writes them, for a title: "1-12", "1,3".
  public var headsDescription: String {
    let numbers = heads.map { $0 + 1 }
    if numbers.count > 1, numbers == Array(numbers[0]...numbers[numbers.count - 1]) {
      return "\(numbers[0])-\(numbers[numbers.count - 1])"
    }
    return numbers.map(String.init).joined(separator: ",")
  }

  /// The column titles of a figure of the selection: "Head 3", or "mean of heads 1-12".
  public var headTitles: [String] {
    if let aggregate { return ["\(aggregate.rawValue) of heads \(headsDescription)"] }
    return heads.map { "Head \($0 + 1)" }
  }

  /// The row titles of a figure of the selection: "Layer 1".
  public var layerTitles: [String] { layers.map { "Layer \($0 + 1)" } }

  /// The chosen maps of `attentions` `[N, H, L, L]`: `[layers, heads, L, L]`,
  /// or `[layers, 1, L, L]` when the heads are combined.
  ///
  /// - Precondition: the selection's layers and heads are inside `attentions`.
  public func select(_ attentions: Tensor) -> Tensor {
    precondition(attentions.rank == 4, "attentions \(attentions.shape) must be [N, H, L, L]")
    precondition(
      layers.allSatisfy { $0 < attentions.shape[0] } && heads.allSatisfy { $0 < attentions.shape[1] },
      "the selection reaches past attentions \(attentions.shape)")
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

  private static func indices(_ numbers: [Int]?, count: Int, axis: SelectionError.Axis)
    throws(SelectionError) -> [Int]
  {
    guard let numbers else { return Array(0..<count) }
    guard !numbers.isEmpty else { throw SelectionError(axis: axis, "no \(axis.rawValue) chosen") }
    for number in numbers where number < 1 || number > count {
      throw SelectionError(
        axis: axis, "\(number) is outside the model, which has \(axis.rawValue) 1-\(count)")
    }
    return numbers.map { $0 - 1 }
  }
}

/// Layers or heads that a model does not have.
public struct SelectionError: Error, CustomStringConvertible, Equatable, Sendable {
  /// Which list is at fault.
  public enum Axis: String, Sendable {
    case layers
    case heads
  }

  public let axis: Axis
  public let description: String

  public init(axis: Axis, _ description: String) {
    self.axis = axis
    self.description = description
  }
}
