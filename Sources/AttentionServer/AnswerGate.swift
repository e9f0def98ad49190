import Foundation

/// Lets at most `limit` answers be computed and written at a time; the
/// others wait their turn in the order they came.
///
/// Without it every request in flight runs its forward pass and writes its
/// JSON at once, each slowed by all the others, so that under load they all
/// finish late together; with one answer a core they finish one after another.
final class AnswerGate: @unchecked Sendable {
  private let lock = NSLock()
  private var free: Int
  private var waiting: [CheckedContinuation<Void, Never>] = []
  private var next = 0

  init(limit: Int) {
    precondition(limit > 0, "an answer gate lets at least one answer through")
    free = limit
  }

  /// One answer a core this process may run on.
  static func perCore() -> AnswerGate {
    AnswerGate(limit: max(1, ProcessInfo.processInfo.activeProcessorCount))
  }

  /// Waits for a turn. The turn ends when the permit is released, or when
  /// the last reference to it goes, which covers an answer abandoned midway.
  func enter() async -> Permit {
    let entered: Bool = lock.withLock {
      if free > 0 {
        free -= 1
        return true
      }
      return false
    }
    if !entered {
      await withCheckedContinuation { continuation in
        let now: Bool = lock.withLock {
          // A turn may have come free since the first look.
          if free > 0 {
            free -= 1
            return true
          }
          waiting.append(continuation)
          return false
        }
        if now { continuation.resume() }
      }
    }
    return Permit(gate: self)
  }

  /// Hands the turn to the longest waiting, or frees it.
  fileprivate func leave() {
    let successor: CheckedContinuation<Void, Never>? = lock.withLock {
      if next < waiting.count {
        let first = waiting[next]
        next += 1
        // Those already let through are dropped when none waits any more,
        // or when they are most of a long queue.
        if next == waiting.count {
          waiting.removeAll(keepingCapacity: true)
          next = 0
        } else if next > 64 && next * 2 > waiting.count {
          waiting.removeFirst(next)
          next = 0
        }
        return first
      }
      free += 1
      return nil
    }
    successor?.resume()
  }

  /// A turn through the gate, given back by `release()` or, at the latest,
  /// when the permit goes.
  final class Permit: @unchecked Sendable {
    private let gate: AnswerGate
    private let lock = NSLock()
    private var held = true

    fileprivate init(gate: AnswerGate) { self.gate = gate }

    /// Gives the turn back; later calls do nothing.
    func release() {
      let was = lock.withLock {
        defer { held = false }
        return held
      }
      if was { gate.leave() }
    }

    deinit { release() }
  }
}
