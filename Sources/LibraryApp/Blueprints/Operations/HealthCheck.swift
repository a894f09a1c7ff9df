import Glibc
import Synchronization

/// `GET /health` answers from a probe of MariaDB and memcached at most `maximumAge` old,
/// shared by the process's workers: a load balancer (or anyone, the route is public) polling
/// it costs the databases one ping per second per process, not one per call.
final class HealthCheck: Sendable {
    struct Probe: Sendable {
        let databaseUp: Bool
        let cacheUp: Bool
        let probedAt: Double
    }

    static let maximumAge = 1.0
    private let latest = Mutex<Probe?>(nil)

    /// The latest probe if it is fresh enough, else a new one made with this worker's
    /// connections (workers that find it stale at the same moment each probe: no waiting).
    func current(_ context: Context, now: Double = QueueWait.currentTime()) -> Probe {
        if let probe = latest.withLock({ $0 }), now - probe.probedAt < Self.maximumAge, now >= probe.probedAt {
            return probe
        }
        var databaseUp = true
        do {
            try context.database().ping()
        } catch {
            databaseUp = false
        }
        let probe = Probe(databaseUp: databaseUp, cacheUp: context.counters?.ping() ?? false, probedAt: now)
        latest.withLock { $0 = probe }
        return probe
    }
}
