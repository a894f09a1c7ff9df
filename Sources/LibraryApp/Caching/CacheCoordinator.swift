import Cache
import Foundation
import Logging

/// Process-wide knowledge about memcached that the per-thread clients share: whether an
/// invalidation was lost (then cached answers may be stale, so reads skip the cache until
/// everything is flushed), and when memcached was last reported unreachable (so the warning
/// is logged once per interval, not once per request).
public final class CacheCoordinator: @unchecked Sendable {
    private let lock = NSLock()
    private var invalidationLost = false
    private var lastFlushAttempt: TimeInterval = 0
    private var lastWarning: TimeInterval = 0
    private let logger: Logger

    static let warningInterval: TimeInterval = 10
    static let flushRetryInterval: TimeInterval = 0.25

    init(logger: Logger) {
        self.logger = logger
    }

    /// Whether cached answers can be trusted now. After a lost invalidation they cannot, until
    /// a flush succeeds: memcached may come back (a hung server resumes) with data from before.
    func cacheIsTrustworthy(client: MemcachedClient) -> Bool {
        let flushDue: Bool = lock.withLock {
            guard invalidationLost else { return false }
            let now = Date().timeIntervalSince1970
            guard now - lastFlushAttempt >= Self.flushRetryInterval else { return false }
            lastFlushAttempt = now
            return true
        }
        // A ping first: it re-establishes connections left stale by the outage.
        if flushDue, client.ping(), (try? client.flushAll()) != nil {
            lock.withLock { invalidationLost = false }
            logger.warning("memcached is back: flushed it, since invalidations were lost while it was away")
        }
        return lock.withLock { !invalidationLost }
    }

    /// An invalidation did not reach memcached.
    func recordLostInvalidation(_ error: Error) {
        lock.withLock { invalidationLost = true }
        warnUnavailable(error, doing: "invalidate cached books")
    }

    /// Logs that memcached is unreachable, at most once per `warningInterval` per process.
    func warnUnavailable(_ error: Error, doing work: String) {
        let due: Bool = lock.withLock {
            let now = Date().timeIntervalSince1970
            guard now - lastWarning >= Self.warningInterval else { return false }
            lastWarning = now
            return true
        }
        if due {
            logger.warning("memcached unavailable; serving from the database", metadata: ["while": "\(work)", "error": "\(error)"])
        }
    }
}
