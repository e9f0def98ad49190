import AttentionCore

/// The desk of the seed's sections 1.2–1.3, as numbers attention can work on.
///
/// On the desk lie a newspaper, a paper, a notebook and a book — all plain —
/// and a red cup. Without any intent the red cup draws the eye
/// (non-volitional cue); wanting to drink one looks for the red cup, and
/// wanting to read one looks for the book (volitional cues).
///
/// Each object has a key of four hand-set features in [0, 1]:
///
/// | feature        | meaning                                          |
/// | -------------- | ------------------------------------------------ |
/// | `salience`     | colour contrast with the desk; red stands out    |
/// | `cup shape`    | how much it looks like something to drink from   |
/// | `printed text` | how much readable print it offers                |
/// | `bound pages`  | how much it is a long, bound read                |
///
/// and a value: its colour as RGB in [0, 1], the "visual information" that
/// attention pools, so each row's output is the colour attention fills with.
///
/// The rows of the result are one non-volitional cue and two queries:
/// - salience: fully-connected pooling with `w = [3, 0, 0, 0]`, `b = 0`,
///   i.e. a unit that only looks at colour contrast. Scores
///   `3 × salience` = 0.3, 0, 0.6, 0.6, 3 give the cup e³ against at most
///   e^0.6 for the others: weight ≈ 0.77.
/// - "red cup": query `[2, 2, 0, 0]` (salient and cup-shaped) with dot
///   scoring: the cup scores 4, nothing else more than 0.4: weight ≈ 0.91.
/// - "something to read": query `[0, 0, 2, 2]` (print and bound pages): the
///   book scores 4, the paper 2.8, the newspaper 2.4, the notebook 1.8 and
///   the cup 0: the book takes ≈ 0.61 and the paper comes second.
///
/// Queries are scaled by 2 rather than scored with `.scaledDot` so that the
/// winners stand out clearly on a heatmap with these small numbers.
public struct DeskScene: Sendable {
  /// Something on the desk.
  public struct Object: Sendable, Equatable {
    /// The English name, e.g. "red cup".
    public var name: String
    /// The name in the seed's language, e.g. "红色杯子".
    public var chineseName: String
    /// `[D]`: salience, cup shape, printed text, bound pages.
    public var key: [Float]
    /// `[Dv]`: colour as red, green, blue.
    public var value: [Float]

    /// Creates an object from its names, key and value.
    public init(name: String, chineseName: String, key: [Float], value: [Float]) {
      self.name = name
      self.chineseName = chineseName
      self.key = key
      self.value = value
    }
  }

  /// A goal-driven row: what one is looking for.
  public struct Query: Sendable, Equatable {
    /// The English name, e.g. "something to read".
    public var name: String
    /// The name in the seed's language.
    public var chineseName: String
    /// `[D]`, in the features of the keys.
    public var vector: [Float]

    /// Creates a query from its names and vector.
    public init(name: String, chineseName: String, vector: [Float]) {
      self.name = name
      self.chineseName = chineseName
      self.vector = vector
    }
  }

  /// The language of the row and object names.
  public enum Language: Sendable {
    case english
    case chinese
  }

  /// The attention of every row over the objects.
  public struct Attention: Sendable {
    /// `[rows, objects]`: each row sums to 1. Row 0 is the salience cue,
    /// the others follow `queries`.
    public var weights: Tensor
    /// `[rows, Dv]`: the pooled values (the colour each row attends to).
    public var outputs: Tensor
    /// One name per row.
    public var rowNames: [String]
    /// One name per object (column).
    public var objectNames: [String]
  }

  /// The names of the four key features, in order.
  public static let featureNames = ["salience", "cup shape", "printed text", "bound pages"]

  /// The objects, in column order.
  public var objects: [Object]
  /// `[D]`: the weight of the fully-connected salience cue.
  public var salienceWeight: [Float]
  /// The bias of the fully-connected salience cue.
  public var salienceBias: Float
  /// The volitional rows, after the salience row.
  public var queries: [Query]

  /// The seed's desk, with the numbers explained in the type's documentation.
  public init() {
    objects = [
      Object(name: "newspaper", chineseName: "报纸", key: [0.1, 0, 1.0, 0.2], value: [0.85, 0.85, 0.80]),
      Object(name: "paper", chineseName: "论文", key: [0.0, 0, 1.0, 0.4], value: [0.97, 0.97, 0.97]),
      Object(name: "notebook", chineseName: "笔记本", key: [0.2, 0, 0.3, 0.6], value: [0.20, 0.30, 0.70]),
      Object(name: "book", chineseName: "书", key: [0.2, 0, 1.0, 1.0], value: [0.55, 0.35, 0.20]),
      Object(name: "red cup", chineseName: "红色杯子", key: [1.0, 1.0, 0, 0], value: [0.85, 0.10, 0.10]),
    ]
    salienceWeight = [3, 0, 0, 0]
    salienceBias = 0
    queries = [
      Query(name: "red cup", chineseName: "找红色杯子", vector: [2, 2, 0, 0]),
      Query(name: "something to read", chineseName: "想读书", vector: [0, 0, 2, 2]),
    ]
  }

  /// The name of the query-free row.
  public static func salienceRowName(_ language: Language) -> String {
    language == .english ? "salience (no query)" : "显著性（无查询）"
  }

  /// The weights of the salience cue and of every query over the objects.
  ///
  /// - Parameter language: the language of the row and object names.
  /// - Returns: weights `[1 + queries, objects]`, outputs
  ///   `[1 + queries, Dv]`, and the names.
  /// - Throws: `AttentionError` if keys, values, queries or the salience
  ///   weight differ in width.
  public func attention(language: Language = .english) throws -> Attention {
    let depth = objects.first?.key.count ?? 0
    let valueDepth = objects.first?.value.count ?? 0
    let keys = Tensor(shape: [1, objects.count, depth], scalars: try widthChecked(objects.map(\.key), depth))
    let values = Tensor(
      shape: [1, objects.count, valueDepth], scalars: try widthChecked(objects.map(\.value), valueDepth))
    let salience = try fullyConnectedPooling(
      keys: keys, values: values, weight: Tensor(salienceWeight), bias: salienceBias)
    let queryTensor = Tensor(
      shape: [1, queries.count, depth], scalars: try widthChecked(queries.map(\.vector), depth))
    let volitional = try attentionPooling(queries: queryTensor, keys: keys, values: values, scoring: .dot)
    let rows = 1 + queries.count
    return Attention(
      weights: Tensor(
        shape: [rows, objects.count],
        scalars: salience.attentionWeights.scalars + volitional.attentionWeights.scalars),
      outputs: Tensor(
        shape: [rows, valueDepth], scalars: salience.output.scalars + volitional.output.scalars),
      rowNames: [Self.salienceRowName(language)]
        + queries.map { language == .english ? $0.name : $0.chineseName },
      objectNames: objects.map { language == .english ? $0.name : $0.chineseName })
  }

  private func widthChecked(_ vectors: [[Float]], _ width: Int) throws -> [Float] {
    if let bad = vectors.first(where: { $0.count != width }) {
      throw AttentionError(
        .shapeMismatch,
        "desk scene vector [\(bad.count)] does not match the width [\(width)] of the first object")
    }
    return vectors.flatMap { $0 }
  }
}
