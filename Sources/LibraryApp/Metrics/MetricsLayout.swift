/// Every series a process counts, one 8-byte slot each, in a fixed order: the same code with
/// the same routes gives the same layout, and each process's file names its series, so a
/// scrape can add up files written by different builds (during an upgrade) by name.
///
/// Every series exists from the start at 0: all routes (and `unmatched`) × status classes,
/// every database error kind, every rejection counter. A series is written in a slot's name as
/// a kind letter, a space and the Prometheus series (`c library_cache_hits_total`).
struct MetricsLayout: Sendable {
    enum Kind: Character, Sendable {
        /// Only goes up; summed over every process file, live or dead.
        case counter = "c"
        /// One histogram bucket, not cumulative (the exposition adds them up); a counter otherwise.
        case bucket = "b"
        /// A histogram's sum, counted in nanoseconds; a counter otherwise.
        case nanoseconds = "n"
        /// A value now: summed over live processes only.
        case gauge = "g"
        /// An unused slot (padding a worker's gauges to a cache line of their own).
        case padding = "p"
    }

    struct Slot: Sendable {
        let kind: Kind
        /// The series as exposed: name and labels, e.g. `library_cache_hits_total`.
        let series: String

        var encoded: String { "\(kind.rawValue) \(series)" }
    }

    /// The fixed counters, at the start of every layout.
    enum Fixed: Int, CaseIterable {
        case cacheHits, cacheMisses, cacheForgedEntries, rateLimitRejections, rateLimitStoreFailures, overloadRejections
        case databaseErrorsUnavailable, databaseErrorsDeadlock, databaseErrorsOther
        /// Gauges of the process: its worker threads, and the web-server connections it keeps.
        case workerThreads, fastCGIConnections
    }

    /// Upper bounds of the request duration histogram, in nanoseconds.
    static let durationBounds: [UInt64] = [
        250_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000,
    ]
    static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    /// The route of requests that matched none (404, 405, refused before routing).
    static let unmatchedRoute = "unmatched"
    /// A worker thread's gauges: busy, database connected, memcached connected; padded to 64 bytes.
    static let workerBlock = 8
    enum WorkerGauge: Int { case busy = 0, databaseConnection, memcachedConnection }

    let slots: [Slot]
    let routes: [String]
    /// Per route: the slot of its `1xx` requests, followed by the other classes, then its
    /// duration buckets (`durationOffset` on), `+Inf`, and the sum.
    let requestSlots: [String: Int]
    static let durationOffset = statusClasses.count
    /// The first worker's gauges; worker `i`'s are `workerBlock * i` further.
    let firstWorkerSlot: Int
    let workers: Int

    init(routes routeNames: [String], workers: Int) {
        var slots: [Slot] = Fixed.allCases.map { fixed in
            switch fixed {
            case .cacheHits: Slot(kind: .counter, series: "library_cache_hits_total")
            case .cacheMisses: Slot(kind: .counter, series: "library_cache_misses_total")
            case .cacheForgedEntries: Slot(kind: .counter, series: "library_cache_forged_entries_total")
            case .rateLimitRejections: Slot(kind: .counter, series: "library_ratelimit_rejections_total")
            case .rateLimitStoreFailures: Slot(kind: .counter, series: "library_ratelimit_store_failures_total")
            case .overloadRejections: Slot(kind: .counter, series: "library_overload_rejections_total")
            case .databaseErrorsUnavailable: Slot(kind: .counter, series: #"library_database_errors_total{kind="unavailable"}"#)
            case .databaseErrorsDeadlock: Slot(kind: .counter, series: #"library_database_errors_total{kind="deadlock"}"#)
            case .databaseErrorsOther: Slot(kind: .counter, series: #"library_database_errors_total{kind="other"}"#)
            case .workerThreads: Slot(kind: .gauge, series: "library_worker_threads")
            case .fastCGIConnections: Slot(kind: .gauge, series: "library_fastcgi_connections")
            }
        }
        var routes: [String] = []
        for name in routeNames + [Self.unmatchedRoute] where !routes.contains(name) { routes.append(name) }
        var requestSlots: [String: Int] = [:]
        for route in routes {
            let label = Self.escaped(route)
            requestSlots[route] = slots.count
            for status in Self.statusClasses {
                slots.append(Slot(kind: .counter, series: #"library_http_requests_total{route="\#(label)",status="\#(status)"}"#))
            }
            for bound in Self.durationBounds.map(Self.seconds) + ["+Inf"] {
                slots.append(
                    Slot(kind: .bucket, series: #"library_http_request_duration_seconds_bucket{route="\#(label)",le="\#(bound)"}"#))
            }
            slots.append(Slot(kind: .nanoseconds, series: #"library_http_request_duration_seconds_sum{route="\#(label)"}"#))
        }
        while slots.count % Self.workerBlock != 0 { slots.append(Slot(kind: .padding, series: "")) }
        firstWorkerSlot = slots.count
        for _ in 0..<workers {
            slots.append(Slot(kind: .gauge, series: "library_worker_threads_busy"))
            slots.append(Slot(kind: .gauge, series: "library_database_connections"))
            slots.append(Slot(kind: .gauge, series: "library_memcached_connections"))
            while slots.count % Self.workerBlock != 0 { slots.append(Slot(kind: .padding, series: "")) }
        }
        self.slots = slots
        self.routes = routes
        self.requestSlots = requestSlots
        self.workers = workers
    }

    /// `2_500_000` ns → `"0.0025"`.
    static func seconds(_ nanoseconds: UInt64) -> String {
        var text = String(nanoseconds / 1_000_000_000)
        let fraction = nanoseconds % 1_000_000_000
        guard fraction > 0 else { return text }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        text += "." + digits
        return text
    }

    /// A label value as the text format wants it.
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
