extension Tensor {
  /// A tensor of zeros.
  public static func zeros(_ shape: [Int]) -> Tensor {
    Tensor(repeating: 0, shape: shape)
  }

  /// A tensor of ones.
  public static func ones(_ shape: [Int]) -> Tensor {
    Tensor(repeating: 1, shape: shape)
  }

  /// The `n`×`n` identity matrix, as `torch.eye(n)`.
  public static func eye(_ n: Int) -> Tensor {
    var identity = Tensor.zeros([n, n])
    for i in 0..<n { identity.scalars[i * n + i] = 1 }
    return identity
  }

  /// A 1-D tensor from an array.
  public init(_ vector: [Float]) {
    self.init(shape: [vector.count], scalars: vector)
  }

  /// A 2-D tensor from rows of equal length.
  ///
  /// - Precondition: every row has the same length.
  public init(rows: [[Float]]) {
    let width = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == width }, "rows of unequal length")
    self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
  }
}
