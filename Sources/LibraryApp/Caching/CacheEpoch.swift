import Cache

/// The switch that voids every cached answer at once: each entry is stamped with the epoch
/// as well as its own generation, and counts only while both are current. After invalidations
/// were lost, bumping the epoch (one key) voids everything cached before — without flushing
/// memcached, whose rate-limit counters must survive. A missing epoch (memcached restarted,
/// or evicted) is created anew at random, which voids everything too.
enum CacheEpoch {
    static let key = "epoch"

    /// The epoch as read, else a new one. Read before the database, like the generations.
    static func current(read: [UInt8]?, client: MemcachedClient) throws -> String {
        if let read { return String(decoding: read, as: UTF8.self) }
        _ = try client.add(key, Array(String(UInt64.random(in: 1...UInt64.max / 2)).utf8))
        guard let value = try client.get(key) else { throw CacheError.other(code: -1, message: "epoch key vanished") }
        return String(decoding: value, as: UTF8.self)
    }

    static func bump(client: MemcachedClient) throws {
        if try client.increment(key) == nil { _ = try current(read: nil, client: client) }
    }
}
