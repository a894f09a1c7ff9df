import Glibc

/// A value shared between threads, behind a pthread mutex. Not `Synchronization.Mutex`: on
/// Linux (Swift 6.3) it waits on a futex inside the uninstrumented Swift runtime, so the thread
/// sanitizer never sees it taken and reports every access under it as a race (`make tsan`,
/// docs/testing.md); a pthread mutex it does see. Taken directly rather than through `NSLock`
/// (the same mutex behind an object of Foundation's, measured at 144–187 ns per uncontended
/// `withLock` against 52–86 ns for `Mutex`): every request takes one, for its access line.
final class Locked<Value>: @unchecked Sendable {  // `value` is only touched under `mutex`
    /// Allocated apart: a pthread mutex must not move, and a Swift stored property may.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Touched only under the mutex, which already excludes a second access (a nested
    /// `withLock` would deadlock first): no dynamic exclusivity check on top.
    @exclusivity(unchecked) private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
