/// The sizes every decoder here shares, whatever its family: what the KV
/// cache, the attention block and the generation loop need to know.
///
/// Legend: `N` layers, `H` query heads, `K` key/value heads, `d` head
/// width, `V` vocabulary.
struct DecoderSizes: Sendable, Equatable {
  /// `N`.
  var layerCount: Int
  /// `H`.
  var headCount: Int
  /// `K`; `H` is a multiple of it (`K == H` for multi-head attention).
  var keyValueHeadCount: Int
  /// `d`.
  var headSize: Int
  /// `V`.
  var vocabularySize: Int
  /// The most tokens a run reads and writes.
  var contextLength: Int

  /// `H · d`: the width of the queries of one token.
  var queryWidth: Int { headCount * headSize }
  /// `K · d`: the width of the keys (and values) of one token.
  var keyValueWidth: Int { keyValueHeadCount * headSize }
  /// `H / K`: query heads per key/value head.
  var groupSize: Int { headCount / keyValueHeadCount }
}
