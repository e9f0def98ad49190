import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Hands the memory the allocator keeps after a burst of requests back to
/// the system once the server has been idle for a moment.
///
/// glibc keeps freed blocks for the next allocation, which is what makes a
/// request's tensors cheap (no fresh pages to fault in), but after a burst of
/// long texts it held about 60 MiB it no longer needed. `malloc_trim` gives
/// that back; calling it a second after the last request ends, rather than
/// after every request, keeps the cheap reuse within a burst. Other C
/// libraries have no `malloc_trim`, and there this does nothing.
final class IdleMemoryTrimmer: @unchecked Sendable {
  private typealias Trim = @convention(c) (Int) -> Int32

  private let trim: Trim?
  private let delay: DispatchTimeInterval
  private let lock = NSLock()
  private var inFlight = 0
  /// Counts request starts, so that a trim scheduled before a later request
  /// began is dropped.
  private var started = 0

  init(delay: DispatchTimeInterval = .seconds(1)) {
    self.delay = delay
    #if canImport(Glibc)
      // Looked up at run time: Swift's Glibc module leaves out malloc.h.
      // nil is RTLD_DEFAULT, the symbol wherever the process has it.
      trim = dlsym(nil, "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
    #else
      trim = nil
    #endif
  }

  /// A request has begun; it ends when the returned value is released,
  /// whichever way the request finishes.
  func begin() -> InFlightRequest {
    lock.withLock {
      inFlight += 1
      started += 1
    }
    return InFlightRequest(trimmer: self)
  }

  fileprivate func end() {
    let idleSince: Int? = lock.withLock {
      inFlight -= 1
      return inFlight == 0 ? started : nil
    }
    guard let idleSince, let trim else { return }
    DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) { [self] in
      let stillIdle = lock.withLock { inFlight == 0 && started == idleSince }
      if stillIdle { _ = trim(0) }
    }
  }
}

/// A request the `IdleMemoryTrimmer` counts as in flight until this is released.
final class InFlightRequest: Sendable {
  private let trimmer: IdleMemoryTrimmer

  fileprivate init(trimmer: IdleMemoryTrimmer) {
    self.trimmer = trimmer
  }

  deinit {
    trimmer.end()
  }
}
