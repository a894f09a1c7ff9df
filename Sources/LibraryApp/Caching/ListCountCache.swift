import Cache

/// The size of a filtered book list (`X-Total-Count`), cached apart from the pages: every page
/// of one filter shares it, so a page that misses the answer cache costs one query, not two
/// (a COUNT over the catalogue is the dearer half). Stamped like the region's answers: with
/// the `books` generation read before the database, so any write voids it at once. Sealed like
/// every entry the app believes (`CacheEntrySeal`).
struct ListCountCache {
    let client: MemcachedClient
    let seal: CacheEntrySeal
    let timeoutSeconds: Int
    let key: String

    /// `filter`: the filter's parameters in a fixed order (sorting and paging excluded).
    init(client: MemcachedClient, seal: CacheEntrySeal, timeoutSeconds: Int, filter: [(String, String?)]) {
        self.client = client
        self.seal = seal
        self.timeoutSeconds = timeoutSeconds
        key =
            "count:books:"
            + filter.compactMap { name, value in value.map { "\(name)=\(Pagination.encode($0))" } }
            .joined(separator: "&")
    }

    /// The cached count if it is current, and the stamp to store a fresh one with; nil when
    /// memcached cannot tell (then the count is neither trusted nor stored).
    func read() -> (count: Int?, stamp: String)? {
        let keys = [key, ResponseCache.generationKey(.books), Generation.epochKey]
        guard let values = try? client.getMulti(keys),
            let stamp = try? ResponseCache(client: client, timeoutSeconds: timeoutSeconds)
                .stamp(of: .books, in: CacheReads(values: values))
        else { return nil }
        guard let entry = seal.open(values[key], key: key).map({ String(decoding: $0, as: UTF8.self) }),
            let space = entry.lastIndex(of: " "), entry[..<space] == stamp,
            let count = Int(entry[entry.index(after: space)...]), count >= 0
        else { return (nil, stamp) }
        return (count, stamp)
    }

    func store(_ count: Int, stamp: String) {
        try? client.set(
            key, seal.seal(Array("\(stamp) \(count)".utf8), key: key, lifetime: timeoutSeconds),
            expiration: timeoutSeconds)  // lost: a query more
    }
}
