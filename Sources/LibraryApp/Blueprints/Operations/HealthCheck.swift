import Glibc
import Cache
import Database
import Storage

/// `GET /health` answers from a probe of MariaDB and memcached at most `maximumAge` old,
/// shared by the process's workers: a load balancer (or anyone, the route is public) polling
/// it costs the databases one ping per second per process, not one per call. One worker
/// probes at a time; while it does (a dead database can take seconds to time out), the others
/// answer from the last probe.
final class HealthCheck: Sendable {
    struct Probe: Sendable {
        let databaseUp: Bool
        let cacheUp: Bool
        /// When the probe finished.
        let finishedAt: Double
    }

    static let maximumAge = 1.0
    private let state = Locked<(latest: Probe?, probing: Bool)>((nil, false))

    func current(_ context: Context) -> Probe {
        let now = QueueWait.currentTime()
        let (latest, mine): (Probe?, Bool) = state.withLock { state in
            if let probe = state.latest, now - probe.finishedAt < Self.maximumAge, now >= probe.finishedAt {
                return (probe, false)
            }
            if state.probing, let probe = state.latest { return (probe, false) }
            state.probing = true
            return (state.latest, true)
        }
        guard mine else { return latest! }
        var databaseUp = true
        do {
            try context.storage().ping()
        } catch {
            databaseUp = false
        }
        let probe = Probe(databaseUp: databaseUp, cacheUp: context.counters?.ping() ?? false, finishedAt: QueueWait.currentTime())
        state.withLock { state in
            state.latest = probe
            state.probing = false
        }
        return probe
    }
}
