import AttentionCore
import Foundation
import TransformerModels

/// The long runs a server keeps (`POST /api/run`), each under an id, within
/// a byte budget (`attn serve --cache-mib`): what each keeps is its
/// `AttentionRecording`, `O(L·d)`, from which every block and overview is
/// recomputed on demand.
///
/// A run reserves its estimated bytes before it starts; finished runs are
/// evicted least recently used first to make room, but runs still being
/// computed cannot be, so a run that does not fit beside them is refused
/// for now (503, try again later), and one larger than the whole budget
/// for good (422). The estimate is exact for the families that keep
/// records (`AttentionModel.recordingByteCount`), so the budget holds.
final class RunCache: @unchecked Sendable {
  /// The bytes all runs, finished and running, may keep together.
  let budget: Int
  private let lock = NSLock()
  private var entries: [String: Entry] = [:]
  private var reservedBytes = 0
  private var clock = 0
  private var counter = 0
  /// Ids of one server differ from another's, so a client holding an id
  /// from before a restart gets 404, not another run's numbers.
  private let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 16)

  struct Entry {
    let recording: AttentionRecording
    let model: String
    let bytes: Int
    var lastUse: Int
    /// Whole-map overviews already computed, answered again without work.
    let overviews: OverviewStore
  }

  /// Whether a run is still kept.
  func contains(_ id: String) -> Bool { lock.withLock { entries[id] != nil } }

  init(budget: Int) {
    precondition(budget > 0, "a run cache keeps at least one byte")
    self.budget = budget
  }

  /// The bytes kept now, reservations included.
  var keptBytes: Int { lock.withLock { reservedBytes + entries.values.reduce(0) { $0 + $1.bytes } } }

  /// How many finished runs are kept.
  var count: Int { lock.withLock { entries.count } }

  /// Makes room for a run of `bytes`, evicting finished runs as needed.
  ///
  /// - Throws: `ServeError` 422 when `bytes` exceed the budget, 503 with
  ///   `Retry-After` when the runs being computed leave too little of it.
  func reserve(_ bytes: Int) throws -> Reservation {
    try lock.withLock {
      guard bytes <= budget else {
        throw ServeError(
          status: .unprocessableContent,
          "the run keeps \(mebibytes(bytes)) MiB, more than the \(mebibytes(budget)) MiB this server keeps "
            + "for runs (attn serve --cache-mib)")
      }
      while reservedBytes + entries.values.reduce(0, { $0 + $1.bytes }) + bytes > budget {
        guard let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else {
          throw ServeError(
            status: .serviceUnavailable,
            "the runs being computed keep \(mebibytes(reservedBytes)) MiB of the \(mebibytes(budget)) MiB "
              + "budget; this one needs \(mebibytes(bytes)) MiB more", retryAfter: 5)
        }
        entries[oldest.key] = nil
      }
      reservedBytes += bytes
      return Reservation(cache: self, bytes: bytes)
    }
  }

  /// Keeps `recording` in place of its reservation, and answers its id.
  func insert(_ recording: AttentionRecording, model: String, reservation: Reservation) -> String {
    lock.withLock {
      reservation.released = true
      reservedBytes -= reservation.bytes
      counter += 1
      clock += 1
      let id = "run-\(prefix)-\(counter)"
      entries[id] = Entry(
        recording: recording, model: model, bytes: reservation.bytes, lastUse: clock, overviews: OverviewStore())
      return id
    }
  }

  /// The run kept under `id`, marked as just used.
  ///
  /// - Throws: `ServeError` 404 for an id never given or evicted since.
  func run(_ id: String) throws -> Entry {
    try lock.withLock {
      guard var entry = entries[id] else {
        throw ServeError(
          status: .notFound,
          "no run \"\(id.prefix(64))\": it was never made here or was evicted to keep within the budget; "
            + "POST /api/run again")
      }
      clock += 1
      entry.lastUse = clock
      entries[id] = entry
      return entry
    }
  }

  fileprivate func release(_ reservation: Reservation) {
    lock.withLock {
      guard !reservation.released else { return }
      reservation.released = true
      reservedBytes -= reservation.bytes
    }
  }

  /// Bytes set aside for a run being computed; given back when the run is
  /// kept (`insert`) or when the last reference goes (a run that failed).
  final class Reservation: @unchecked Sendable {
    fileprivate weak var cache: RunCache?
    let bytes: Int
    /// Guarded by the cache's lock.
    fileprivate var released = false

    fileprivate init(cache: RunCache, bytes: Int) {
      self.cache = cache
      self.bytes = bytes
    }

    deinit { cache?.release(self) }
  }
}

/// The whole-map overviews of one run, by head, size and pooling: a page
/// asks for every head's thumbnail, and asks again when it is reopened.
/// Kept only up to 256 cells a side (256 KiB each), so a run's store stays
/// within a few MiB beside its records. A map is computed once: whoever
/// asks while it is being computed waits for it.
final class OverviewStore: @unchecked Sendable {
  struct Key: Hashable {
    let layer: Int
    let head: Int
    let size: Int
    let pooling: AttentionRecord.Pooling
  }

  static let largestKept = 256
  private let lock = NSLock()
  private var slots: [Key: Slot] = [:]

  private enum Slot {
    case computing(DispatchGroup)
    case done(Tensor)
  }

  /// What a caller of `key` is to do.
  enum Claim {
    /// The map, computed before.
    case kept(Tensor)
    /// Compute it, then `finish`.
    case compute
    /// Another is computing it: wait for the group, then look again.
    case wait(DispatchGroup)
  }

  /// The map of `key` if kept; else the duty to compute it, or to wait for it.
  func claim(_ key: Key) -> Claim {
    guard key.size <= Self.largestKept else { return .compute }
    return lock.withLock {
      switch slots[key] {
      case .done(let map)?: return .kept(map)
      case .computing(let group)?: return .wait(group)
      case nil:
        let group = DispatchGroup()
        group.enter()
        slots[key] = .computing(group)
        return .compute
      }
    }
  }

  /// Keeps the map `claim` asked to compute (nil if that failed), and wakes those waiting.
  func finish(_ key: Key, _ map: Tensor?) {
    guard key.size <= Self.largestKept else { return }
    let group: DispatchGroup? = lock.withLock {
      guard case .computing(let group)? = slots[key] else { return nil }
      slots[key] = map.map { .done($0) }
      return group
    }
    group?.leave()
  }

  /// The map of `key`, if kept.
  subscript(key: Key) -> Tensor? {
    lock.withLock {
      if case .done(let map)? = slots[key] { return map }
      return nil
    }
  }
}

private func mebibytes(_ bytes: Int) -> String {
  String(format: "%.1f", Double(bytes) / Double(1 << 20))
}
