import Cache

/// The memcached values one request needs, read together in one round trip: its rate-limit
/// counts (the hits sent just before, without waiting), the token check's entry, and the
/// cached answer. `values` is empty when the cache is unusable or down; counts are read even
/// while cached answers are not trusted (see `Context.cache`).
struct CacheReads {
    private(set) var values: [String: [UInt8]] = [:]
    /// Whether memcached answered (a missing key then really is a miss).
    private(set) var answered = false

    init() {}

    /// Values memcached answered with.
    init(values: [String: [UInt8]]) {
        self.values = values
        answered = true
    }

    /// Counts one hit on each of `counters` and reads them with `keys`.
    static func fetch(_ keys: [String], counting counters: [String] = [], context: Context) -> (CacheReads, CounterReads) {
        var reads = CacheReads()
        let cacheKeys = context.cache == nil ? [] : keys
        guard !cacheKeys.isEmpty || !counters.isEmpty else { return (reads, .read([:])) }
        guard let client = context.counters else { return (reads, .failed(.unavailable("MEMCACHED_SERVERS is not set"))) }
        // A counter whose server is down fails the limit (open, or closed as configured); the
        // cached answers on the other servers are read all the same.
        do {
            let (values, counting) = try client.incrementWithoutReplyThenGetMulti(counting: counters, reading: cacheKeys)
            if !cacheKeys.isEmpty {
                reads.values = values
                reads.answered = true
            }
            return (reads, counting.map(CounterReads.failed) ?? .read(values))
        } catch {
            if !cacheKeys.isEmpty { context.cacheCoordinator.warnUnavailable(error, doing: "read the cache") }
            return (reads, .failed(error as? CacheError ?? .other(code: -1, message: "\(error)")))
        }
    }

    subscript(key: String) -> [UInt8]? { values[key] }
}

/// The rate-limit counts read with a request's cache reads, or why they could not be.
enum CounterReads {
    case read([String: [UInt8]])
    case failed(CacheError)
}
