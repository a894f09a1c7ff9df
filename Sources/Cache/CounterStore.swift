/// Where fixed-window counters live. `MemcachedClient` is the production store; the protocol
/// keeps `FixedWindowRateLimiter` free of libmemcached.
public protocol CounterStore {
    /// Counts one hit on `key` and answers the new count; a key that holds nothing starts at 1
    /// and lives `expiration` seconds. Must be atomic across every client sharing the store.
    func incrementCounter(_ key: String, expiration: Int) throws -> UInt64
}

extension MemcachedClient: CounterStore {}
