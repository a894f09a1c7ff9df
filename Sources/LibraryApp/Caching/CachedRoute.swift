import Cache
import HTTPTypes

/// Serving a route declared with `cache:`: a hit replays the stored answer, a miss runs the
/// handler and stores its `200` answer. Either way the answer carries `X-Cache`, a strong
/// `ETag`, and becomes `304` when `If-None-Match` names that tag.
enum CachedRoute {
    /// A cached answer as a hit replays it: the entry, and its header fields made once per
    /// entry a worker opens (`OpenedEntries`), not per request. A class: taken out of
    /// `OpenedEntries` on every hit, with one retain instead of one per part.
    final class Hit {
        let entry: ResponseCache.Entry
        let headers: HTTPFields

        init(_ entry: ResponseCache.Entry) {
            self.entry = entry
            headers = CachedRoute.headers(of: entry, hit: true)
        }

        static func decode(_ bytes: ArraySlice<UInt8>) -> Hit? {
            ResponseCache.decode(bytes).map(Hit.init)
        }
    }

    /// `reads` holds the region's generation and the entry (`ResponseCache.keys`), read with
    /// the request's other cache reads; `answerKey` is the entry's (`ResponseCache.key`).
    static func respond(
        _ route: Route, region: CacheRegion, answerKey entryKey: String, _ request: Request, _ context: Context,
        reads: CacheReads
    ) throws -> Response {
        var store: (cache: ResponseCache, generation: String)?
        if reads.answered, let client = context.cache {
            let cache = ResponseCache(client: client, timeoutSeconds: context.configuration.cacheTimeoutSeconds)
            do {
                if let hit = context.openedAnswers.open(reads[entryKey], key: entryKey, seal: context.cacheSeal, decode: Hit.decode),
                    Generation.isCurrent(hit.entry.generation, of: ResponseCache.generationKey(region), in: reads)
                {
                    AppMetrics.cacheHits.increment()
                    return answer(hit.entry, headers: hit.headers, request)
                }
                // The generation is read before the database: an answer stamped with it can only
                // be as old as the generation, and a write bumps it after committing.
                store = (cache, try cache.stamp(of: region, in: reads))
            } catch {
                context.cacheCoordinator.warnUnavailable(error, doing: "read cached \(region.rawValue)")
            }
        }
        AppMetrics.cacheMisses.increment()
        let response = try route.handler(request, context)
        guard response.status == .ok else { return response }
        let entry = ResponseCache.Entry(
            generation: store?.generation ?? "",
            etag: ResponseCache.etag(of: response.body),
            headers: ResponseCache.replayedHeaders.compactMap { name in
                response.headers.firstValue(name).map { HTTPField(name: name, value: $0) }
            },
            body: response.body)
        if let store {
            try? store.cache.store(entry, forKey: entryKey, seal: context.cacheSeal)  // a lost store only costs the next reader a miss
        }
        return answer(entry, headers: headers(of: entry, hit: false), request)
    }

    /// The answer's header fields: the replayed ones, the entity tag, `X-Cache`, `Cache-Control`.
    private static func headers(of entry: ResponseCache.Entry, hit: Bool) -> HTTPFields {
        // Appended, not set: the names differ (the replayed ones are `ResponseCache.replayedHeaders`),
        // and a set scans the list each time (docs/performance.md, Kept libraries).
        var headers = HTTPFields()
        headers.reserveCapacity(entry.headers.count + 3)
        headers.append(contentsOf: entry.headers)
        headers.append(HTTPField(name: .eTag, value: entry.etag))
        headers.append(HTTPField(name: .xCache, value: hit ? "HIT" : "MISS"))
        // Signed-in content: shared caches keep out; clients revalidate with the ETag.
        headers.append(HTTPField(name: .cacheControl, value: "private, no-cache"))
        return headers
    }

    private static func answer(_ entry: ResponseCache.Entry, headers: HTTPFields, _ request: Request) -> Response {
        if ResponseCache.matches(ifNoneMatch: request.headers.firstValue(.ifNoneMatch), etag: entry.etag) {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: entry.body)
    }
}
