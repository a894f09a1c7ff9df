import Basics
import Cache

/// The memcached values one request needs, read together in one round trip: its rate-limit
/// counts (the hits sent just before, without waiting), the token check's entry, and the
/// cached answer. Empty when the cache is unusable or down; counts are read even while cached
/// answers are not trusted (see `Context.cache`).
struct CacheReads {
    private(set) var values = MemcachedValues()
    /// Whether memcached answered (a missing key then really is a miss).
    private(set) var answered = false

    init() {}

    /// Values memcached answered with.
    init(values: MemcachedValues) {
        self.values = values
        answered = true
    }

    /// Counts one hit on each of `counters` and reads them with `keys`.
    static func fetch(_ keys: [String], counting counters: [String] = [], context: Context) -> (CacheReads, CounterReads) {
        var reads = CacheReads()
        let cacheKeys = context.cache == nil ? [] : keys
        guard !cacheKeys.isEmpty || !counters.isEmpty else { return (reads, .read(MemcachedValues())) }
        guard let client = context.counters else { return (reads, .failed(.unavailable("MEMCACHED_SERVERS is not set"))) }
        // A counter whose server is down fails the limit (open, or closed as configured); the
        // cached answers on the other servers are read all the same.
        do {
            var values = MemcachedValues(keys: cacheKeys, counters: counters)
            let counting = try client.incrementWithoutReplyThenGet(
                counting: counters, reading: cacheKeys, sizing: { values.reserve($0) }
            ) { index, value in
                values.found(index, value)
            }
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

    subscript(key: String) -> ArraySlice<UInt8>? { values[key] }
}

/// The values of one multi-get by position (`keys + counters`, as asked): a request reads a
/// handful, so a linear search by key costs less than hashing them into a dictionary. The
/// values lie one after another in one buffer of their total size (two allocations per request,
/// not one per value).
struct MemcachedValues {
    private var keys: [String] = []
    private var counters: [String] = []
    /// Where each value lies in `bytes`, by position; nil: not found.
    private var ranges: [Range<Int>?] = []
    private var bytes: [UInt8] = []

    init() {}

    init(keys: [String], counters: [String]) {
        self.keys = keys
        self.counters = counters
        ranges = Array(repeating: nil, count: keys.count + counters.count)
    }

    /// Room for `total` bytes of values, before they are `found`: one allocation of their size.
    mutating func reserve(_ total: Int) {
        bytes.reserveCapacity(total)
    }

    mutating func found(_ index: Int, _ value: UnsafeRawBufferPointer) {
        let start = bytes.count
        bytes.append(contentsOf: value)
        ranges[index] = start..<bytes.count
    }

    /// The value read for `key`, nil when none was (a miss, or the key was not asked). Keys
    /// are matched by their bytes, as memcached matches them: the lengths (inline, and most keys
    /// tried differ in it), then one `memcmp`. `==` compared canonical equivalence through the
    /// standard library's general comparison for each other key tried (~20 per cached read).
    subscript(key: String) -> ArraySlice<UInt8>? {
        let length = key.utf8.count
        func isKey(_ other: String) -> Bool { other.utf8.count == length && other.hasSameUTF8(as: key) }
        if let index = keys.firstIndex(where: isKey) { return value(at: index) }
        if let index = counters.firstIndex(where: isKey) { return value(at: keys.count + index) }
        return nil
    }

    private func value(at index: Int) -> ArraySlice<UInt8>? {
        ranges[index].map { bytes[$0] }
    }
}

/// The rate-limit counts read with a request's cache reads, or why they could not be.
enum CounterReads {
    case read(MemcachedValues)
    case failed(CacheError)
}
