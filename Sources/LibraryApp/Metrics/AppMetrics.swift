import CoreMetrics
import Metrics
import Prometheus

/// The service's metrics (swift-metrics API, Prometheus backend), served by `GET /metrics`.
///
/// Each process counts its own requests: behind one socket, a scrape reaches one process at a
/// time. Scrape each process (give each its own `--socket`) or sum over `instance` if you need
/// totals; every series carries nothing process-specific, so they add up.
public enum AppMetrics {
    public static let registry = PrometheusCollectorRegistry()

    /// Call once, before any metric is touched; without it metrics go nowhere (unit tests).
    public static func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
    }

    static let cacheHits = Counter(label: "library_cache_hits_total")
    static let cacheMisses = Counter(label: "library_cache_misses_total")
    /// Entries read from memcached whose tag did not match (`CacheEntrySeal`): written by someone else.
    static let cacheForgedEntries = Counter(label: "library_cache_forged_entries_total")
    static let rateLimitRejections = Counter(label: "library_ratelimit_rejections_total")
    /// Requests refused with 503 because they waited too long for a worker (`QueueWait`).
    static let overloadRejections = Counter(label: "library_overload_rejections_total")
    /// Requests let through (or refused, failing closed) because memcached could not count them.
    static let rateLimitStoreFailures = Counter(label: "library_ratelimit_store_failures_total")

    static func databaseError(kind: String) {
        Counter(label: "library_database_errors_total", dimensions: [("kind", kind)]).increment()
    }

    /// A worker thread's handles on the request metrics, found once per route and status (the
    /// factory's lookup takes a lock and builds labels; this runs for every request).
    final class RequestRecorder {
        private struct Key: Hashable {
            let route: String
            let status: Int
        }

        private var counters: [Key: CoreMetrics.Counter] = [:]
        private var timers: [String: Metrics.Timer] = [:]

        /// One finished request: counted by route and status, its latency recorded by route.
        func record(route: String, status: Int, nanoseconds: UInt64) {
            let key = Key(route: route, status: status)
            let counter = counters[key] ?? {
                let made = Counter(label: "library_http_requests_total", dimensions: [("route", route), ("status", String(status))])
                counters[key] = made
                return made
            }()
            counter.increment()
            let timer = timers[route] ?? {
                let made = Metrics.Timer(label: "library_http_request_duration_seconds", dimensions: [("route", route)])
                timers[route] = made
                return made
            }()
            timer.recordNanoseconds(Int64(clamping: nanoseconds))
        }
    }

    /// The Prometheus text exposition of everything counted so far.
    static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
