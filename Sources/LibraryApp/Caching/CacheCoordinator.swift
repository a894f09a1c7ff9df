import Cache
import Foundation
import Logging
import Synchronization

/// Process-wide knowledge about memcached that the per-thread clients share: whether an
/// invalidation was lost (then cached answers may be stale, so reads skip the cache until
/// the epoch has been bumped), and when memcached was last reported unreachable (so the
/// warning is logged once per interval, not once per request).
///
/// After a loss a background thread of this process keeps trying, four times a second, to bump
/// the cache epoch (`Generation.epochKey`); that voids every cached answer, for every process, while
/// the rate-limit counters in the same memcached stay.
public final class CacheCoordinator: Sendable {
    private struct State {
        /// Losses recorded so far; a bump clears only those that happened before it started.
        var losses = 0
        var voidedLosses = 0
        var bumperRunning = false
        var lastWarning: TimeInterval = 0
    }

    private let state = Mutex(State())
    /// `losses == voidedLosses`, kept beside them for the request path to read without a lock.
    private let trusted = Atomic<Bool>(true)
    private let configuration: MemcachedConfiguration?
    private let logger: Logger

    static let warningInterval: TimeInterval = 10
    static let bumpRetryMicroseconds: useconds_t = 250_000

    init(configuration: MemcachedConfiguration?, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether cached answers can be trusted now: no invalidation lost since the last bump.
    var cacheIsTrustworthy: Bool {
        trusted.load(ordering: .acquiring)
    }

    /// A starting process bumps the epoch before it serves: it cannot know whether an earlier
    /// process (itself before a restart, or one that died) lost an invalidation and stopped
    /// before its bump went through; such stale answers would otherwise be served until they
    /// expire. Safe: a bump only ever makes entries miss, never serves one that would not have
    /// counted. Cost: every cached answer and token check, of every process, misses once after
    /// any process starts (one database read each; the rate-limit counters are untouched).
    /// Unreachable memcached: handled as a lost invalidation (cache untrusted, bumped later).
    func bumpEpochAtStart() {
        guard let configuration else { return }
        do {
            try Generation.bump(Generation.epochKey, client: MemcachedClient(configuration: configuration, logger: logger))
        } catch {
            recordLostInvalidation(error)
        }
    }

    /// An invalidation did not reach every server it should have.
    func recordLostInvalidation(_ error: any Error) {
        let startBumper: Bool = state.withLock { state in
            state.losses += 1
            trusted.store(false, ordering: .releasing)
            guard !state.bumperRunning else { return false }
            state.bumperRunning = true
            return true
        }
        warnUnavailable(error, doing: "invalidate cached answers")
        if startBumper, let configuration {
            let thread = Thread { [self] in bumpEpochUntilDone(configuration) }
            thread.name = "cache-epoch"
            thread.start()
        }
    }

    private func bumpEpochUntilDone(_ configuration: MemcachedConfiguration) {
        while true {
            usleep(Self.bumpRetryMicroseconds)
            let target = state.withLock { $0.losses }
            // A new client each time: nothing left over from the outage (stale sockets, back-off).
            let client = MemcachedClient(configuration: configuration, logger: logger)
            guard (try? Generation.bump(Generation.epochKey, client: client)) != nil else { continue }
            let done: Bool = state.withLock { state in
                state.voidedLosses = target
                if state.losses == state.voidedLosses {
                    state.bumperRunning = false
                    trusted.store(true, ordering: .releasing)
                }
                return !state.bumperRunning
            }
            if done {
                logger.warning("cache epoch bumped: invalidations had been lost; the cache is trusted again")
                return
            }
        }
    }

    /// Logs that memcached is unreachable, at most once per `warningInterval` per process.
    func warnUnavailable(_ error: any Error, doing work: String) {
        let due: Bool = state.withLock { state in
            let now = Date().timeIntervalSince1970
            guard now - state.lastWarning >= Self.warningInterval else { return false }
            state.lastWarning = now
            return true
        }
        if due {
            logger.warning("memcached unavailable; serving from the database", metadata: ["while": "\(work)", "error": "\(error)"])
        }
    }
}

/// An invalidation that went to a server other than the usual one for its key did not happen
/// where other processes look.
struct SuspectedRemap: Error, CustomStringConvertible {
    var description: String { "a memcached server is set aside after a timeout; keys were remapped" }
}
