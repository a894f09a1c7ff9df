import Cache

/// The memcached values one request needs, read together: a token check and a cached answer
/// cost one `getMulti` round trip between them. Empty when the cache is unusable or down.
struct CacheReads {
    private(set) var values: [String: [UInt8]] = [:]
    /// Whether memcached answered (a missing key then really is a miss).
    private(set) var answered = false

    static func fetch(_ keys: [String], context: Context) -> CacheReads {
        var reads = CacheReads()
        guard !keys.isEmpty, let client = context.cache else { return reads }
        do {
            reads.values = try client.getMulti(keys)
            reads.answered = true
        } catch {
            context.cacheCoordinator.warnUnavailable(error, doing: "read the cache")
        }
        return reads
    }

    subscript(key: String) -> [UInt8]? { values[key] }
}
