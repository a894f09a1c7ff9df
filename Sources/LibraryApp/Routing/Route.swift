public import HTTPTypes

/// What a handler is given besides the request: the services of the worker thread serving it.
public typealias Handler = @Sendable (Request, Context) throws -> Response

/// Who may call a route, declared beside its handler and enforced before it runs.
public enum Access: Sendable, Equatable {
    /// Anyone; no token is read.
    case everyone
    /// Any valid token.
    case user
    /// A valid token of an admin; others get `403`.
    case admin
    /// A valid token; the handler then lets through only the owner of the resource or an admin,
    /// answering `404` to anyone else (`Principal.requireOwnerOrAdmin`).
    case ownerOrAdmin
}

/// Which rate limit counts a route's requests (docs/api.md, Rate limits), like `@limiter.limit`.
public enum RouteLimit: Sendable, Equatable {
    /// `RATELIMIT_DEFAULT`, counted per route and client (Flask-Limiter's default limits).
    case `default`
    /// `RATELIMIT_LOGIN` (default `5 per 10 minute`), instead of the default.
    case login
    /// `RATELIMIT_REGISTER` (default `20 per hour`), instead of the default.
    case register
    /// Never limited: the operations endpoints.
    case exempt
}

/// A set of cached responses that changes together (one generation number in memcached).
public enum CacheRegion: String, Sendable {
    /// `GET /books` and `GET /books/{id}`: any change to books or loans makes them stale.
    case books
}

/// What a write changes, and so what its success makes stale (`ResponseCache.invalidate`).
public enum CacheInvalidation: Sendable {
    /// Copies, loans or holds: every cached answer of the `books` region, and what depends on a
    /// book's free copies (a minor step of the region's generation).
    case books
    /// A book created, changed or deleted: as `books`, and also what only the catalogue's rows
    /// decide, the size and sort keys of a list without `available` (a major step).
    case catalogue
}

/// One endpoint: a method and a path pattern, the handler, and what is declared beside it.
/// A class: the router hands out references, not copies of the closure and strings.
public final class Route: Sendable {
    public let method: HTTPRequest.Method
    public let pattern: PathPattern
    public let access: Access
    public let limit: RouteLimit
    /// Successful answers are cached in this region (like `@cache.cached`).
    public let cache: CacheRegion?
    /// What a successful write makes stale; the pipeline invalidates it before answering.
    public let invalidates: CacheInvalidation?
    /// The query parameters a cached route's handler reads: only they (their first values) make
    /// its cache key, so unknown parameters neither split nor flood the cache. Sorted.
    public let query: [String]
    /// Keys of memcached entries a cached route's handler reads besides its answer (a list's
    /// count): read with the request's other reads, in its one round trip, and handed to the
    /// handler in `Request.cacheReads`, so a miss pays no second round trip for them.
    public let companionKeys: (@Sendable (Request) -> [String])?
    public let handler: Handler
    /// `GET /books/{id}`: names the route in logs, metrics and rate-limit keys. Built once: the
    /// request path reads it twice per request.
    public let name: String

    public init(
        method: HTTPRequest.Method, pattern: PathPattern, access: Access, limit: RouteLimit = .default,
        cache: CacheRegion? = nil, invalidates: CacheInvalidation? = nil, query: [String] = [],
        companionKeys: (@Sendable (Request) -> [String])? = nil, handler: @escaping Handler
    ) {
        self.method = method
        self.pattern = pattern
        self.access = access
        self.limit = limit
        self.cache = cache
        self.invalidates = invalidates
        self.query = query.sorted()
        self.companionKeys = companionKeys
        self.handler = handler
        name = "\(method) \(pattern)"
    }

    /// Whether this route, tried first, would take every request `other` matches.
    func answersEveryRequest(of other: Route) -> Bool {
        method == other.method && pattern.covers(other.pattern)
    }
}
