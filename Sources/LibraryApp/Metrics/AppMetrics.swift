import Foundation

/// The service's metrics, served by `GET /metrics` for the whole pool of the host.
///
/// Each process counts into slots of a file of its own in `METRICS_DIR` (`MetricsFile`); an
/// increment is one relaxed atomic add, and the scrape does the adding up (`PoolMetrics`).
/// Without `METRICS_DIR` a process counts in private memory and shows only itself.
public enum AppMetrics {
    /// Replaced once by `bootstrap`, before any worker starts; until then (unit tests) the
    /// fixed counters and the `unmatched` route count in private memory.
    nonisolated(unsafe) static var file = MetricsFile(layout: MetricsLayout(routes: [], workers: 0))
    nonisolated(unsafe) static var directory: String?

    /// Call once, before the workers start: lays out a slot for every series of these routes.
    public static func bootstrap(routes: [String], workers: Int, directory: String?) throws {
        let layout = MetricsLayout(routes: routes, workers: workers)
        file =
            try directory.map { directory throws(MetricsFile.Failure) in try MetricsFile(layout: layout, directory: directory) }
            ?? MetricsFile(layout: layout)
        file.set(UInt64(workers), at: MetricsLayout.Fixed.workerThreads.rawValue)
        Self.directory = directory
    }

    /// A counter of the fixed part of the layout.
    struct FixedCounter {
        let slot: MetricsLayout.Fixed
        @inline(__always) func increment() { AppMetrics.file.add(1, at: slot.rawValue) }
    }

    static let cacheHits = FixedCounter(slot: .cacheHits)
    static let cacheMisses = FixedCounter(slot: .cacheMisses)
    /// Entries read from memcached whose tag did not match (`CacheEntrySeal`): written by someone else.
    static let cacheForgedEntries = FixedCounter(slot: .cacheForgedEntries)
    static let rateLimitRejections = FixedCounter(slot: .rateLimitRejections)
    /// Requests refused with 503 because they waited too long for a worker (`QueueWait`).
    static let overloadRejections = FixedCounter(slot: .overloadRejections)
    /// Requests let through (or refused, failing closed) because memcached could not count them.
    static let rateLimitStoreFailures = FixedCounter(slot: .rateLimitStoreFailures)

    static func databaseError(kind: DatabaseErrorKind) {
        switch kind {
        case .unavailable: FixedCounter(slot: .databaseErrorsUnavailable).increment()
        case .deadlock: FixedCounter(slot: .databaseErrorsDeadlock).increment()
        case .other: FixedCounter(slot: .databaseErrorsOther).increment()
        }
    }

    enum DatabaseErrorKind { case unavailable, deadlock, other }

    /// The web server opened (+1) or closed (-1) a connection to this process.
    public static func fastCGIConnectionsChanged(by delta: Int) {
        file.add(UInt64(bitPattern: Int64(delta)), at: MetricsLayout.Fixed.fastCGIConnections.rawValue)
    }

    /// A worker thread's handle on the request metrics and its own gauges.
    final class RequestRecorder {
        private let file = AppMetrics.file
        private let routeSlots: [String: Int]
        private let unmatchedSlot: Int
        private let workerSlot: Int?

        init(worker: Int) {
            let layout = file.layout
            routeSlots = layout.requestSlots
            unmatchedSlot = layout.requestSlots[MetricsLayout.unmatchedRoute]!
            workerSlot = worker < layout.workers ? layout.firstWorkerSlot + worker * MetricsLayout.workerBlock : nil
        }

        /// A request has reached this worker.
        @inline(__always) func begin() {
            if let workerSlot { file.set(1, at: workerSlot + MetricsLayout.WorkerGauge.busy.rawValue) }
        }

        /// One finished request: counted by route and status class, its latency by route; the
        /// worker is idle again, holding these connections.
        func record(route: String, status: Int, nanoseconds: UInt64, databaseConnected: Bool, memcachedConnected: Bool) {
            let requests = routeSlots[route] ?? unmatchedSlot
            file.add(1, at: requests + min(max(status / 100, 1), 5) - 1)
            let durations = requests + MetricsLayout.durationOffset
            var bucket = 0
            while bucket < MetricsLayout.durationBounds.count, nanoseconds > MetricsLayout.durationBounds[bucket] { bucket += 1 }
            file.add(1, at: durations + bucket)
            file.add(nanoseconds, at: durations + MetricsLayout.durationBounds.count + 1)
            if let workerSlot {
                file.set(databaseConnected ? 1 : 0, at: workerSlot + MetricsLayout.WorkerGauge.databaseConnection.rawValue)
                file.set(memcachedConnected ? 1 : 0, at: workerSlot + MetricsLayout.WorkerGauge.memcachedConnection.rawValue)
                file.set(0, at: workerSlot + MetricsLayout.WorkerGauge.busy.rawValue)
            }
        }
    }

    /// The Prometheus text of the whole pool of this host (or of this process, without a directory).
    static func exposition() -> [UInt8] {
        MetricsExposition.render(PoolMetrics.collect(own: file, directory: directory), layout: file.layout)
    }
}
