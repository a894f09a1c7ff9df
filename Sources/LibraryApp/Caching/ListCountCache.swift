import Cache

/// The size of a filtered book list (`X-Total-Count`), cached apart from the pages: every page
/// of one filter shares it, so a page that misses the answer cache costs one query, not two
/// (a COUNT over the catalogue is the dearer half). Stamped with the `books` generation read
/// before the database, so a write voids it at once: a filter on `available` with the whole
/// number (any write to books, loans or holds voids it), any other filter with its major part
/// alone (`Generation`: only a book created, changed or deleted voids it), as neither a loan
/// nor a hold moves a book into or out of such a list. The same stamp keeps the list's sort
/// keys (`PageAnchors`). Sealed like
/// every entry the app believes (`CacheEntrySeal`). Its key is one of the list route's
/// `companionKeys`: read in the request's one round trip, with the answer it stands beside.
struct ListCountCache {
    let client: MemcachedClient
    let seal: CacheEntrySeal
    let timeoutSeconds: Int
    let key: String
    /// Whether the list outlives loans and holds: it does not filter on `available`.
    let outlivesLoans: Bool

    init(client: MemcachedClient, seal: CacheEntrySeal, timeoutSeconds: Int, query: QueryParameters) {
        self.client = client
        self.seal = seal
        self.timeoutSeconds = timeoutSeconds
        key = Self.key(for: query)
        outlivesLoans = query["available"] == nil
    }

    /// The filter's parameters in a fixed order (sorting and paging excluded), as the list reads
    /// them: an empty text filter is none, `available` any case. Only a valid query reaches
    /// `read` and `store`, so an invalid one's key is merely read.
    static func key(for query: QueryParameters) -> String {
        var key = "count:books:"
        var first = true
        func add(_ name: String, _ value: String?) {
            guard let value else { return }
            key += (first ? "" : "&") + name + "=" + Pagination.encode(value)
            first = false
        }
        add("q", query["q"])
        add("author", query["author"].flatMap { $0.isEmpty ? nil : $0 })
        add("genre", query["genre"].flatMap { $0.isEmpty ? nil : $0 })
        add("available", query["available"].map { $0.lowercased() })
        return key
    }

    /// The cached count if it is current, and the stamp to store a fresh one with; nil when
    /// memcached cannot tell (then the count is neither trusted nor stored). `reads`: the
    /// request's (`Request.cacheReads`), which hold the entry, the generation and the epoch.
    func read(from reads: CacheReads) -> (count: Int?, stamp: String)? {
        let generation = ResponseCache.generationKey(.books)
        guard reads.answered,
            let stamp = try? outlivesLoans
                ? Generation.currentMajorStamp(of: generation, in: reads, client: client)
                : Generation.currentStamp(of: generation, in: reads, client: client)
        else { return nil }
        guard let entry = seal.open(reads[key].map(Array.init), key: key).map({ String(decoding: $0, as: UTF8.self) }),
            let space = entry.lastIndex(of: " "), entry[..<space] == stamp,
            let count = Int(entry[entry.index(after: space)...]), count >= 0
        else { return (nil, stamp) }
        return (count, stamp)
    }

    func store(_ count: Int, stamp: String) {
        try? client.setWithoutReply(
            key, seal.seal(Array("\(stamp) \(count)".utf8), key: key, lifetime: timeoutSeconds),
            expiration: timeoutSeconds)  // lost: a query more
    }
}
