import HTTPTypes

/// A group of routes under one URL prefix, as a Flask blueprint: `Blueprint("books", prefix: "/books")`.
/// Each route states beside its handler who may call it, its rate limit, and what it caches or
/// invalidates: `books.get("/{id}", access: .user, cache: .books, show)`.
public struct Blueprint: Sendable {
    public let name: String
    public let prefix: String
    /// The rate limit of routes that do not name one (`.exempt` for the operations endpoints).
    public var defaultLimit: RouteLimit = .default
    public private(set) var routes: [Route] = []

    public init(_ name: String, prefix: String = "") {
        self.name = name
        self.prefix = prefix
    }

    /// `query`: with `cache`, the parameters the handler reads (see `Route.query`);
    /// `companionKeys`: the other entries it reads from memcached (see `Route.companionKeys`).
    public mutating func get(
        _ path: String, access: Access, limit: RouteLimit? = nil, cache: CacheRegion? = nil,
        query: [String] = [], companionKeys: (@Sendable (Request) -> [String])? = nil, _ handler: @escaping Handler
    ) {
        add(.get, path, access, limit, cache, nil, handler, query: query, companionKeys: companionKeys)
    }

    public mutating func post(
        _ path: String, access: Access, limit: RouteLimit? = nil, invalidates: CacheInvalidation? = nil,
        _ handler: @escaping Handler
    ) {
        add(.post, path, access, limit, nil, invalidates, handler)
    }

    public mutating func put(
        _ path: String, access: Access, limit: RouteLimit? = nil, invalidates: CacheInvalidation? = nil,
        _ handler: @escaping Handler
    ) {
        add(.put, path, access, limit, nil, invalidates, handler)
    }

    public mutating func patch(
        _ path: String, access: Access, limit: RouteLimit? = nil, invalidates: CacheInvalidation? = nil,
        _ handler: @escaping Handler
    ) {
        add(.patch, path, access, limit, nil, invalidates, handler)
    }

    public mutating func delete(
        _ path: String, access: Access, limit: RouteLimit? = nil, invalidates: CacheInvalidation? = nil,
        _ handler: @escaping Handler
    ) {
        add(.delete, path, access, limit, nil, invalidates, handler)
    }

    private mutating func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access, _ limit: RouteLimit?,
        _ cache: CacheRegion?, _ invalidates: CacheInvalidation?, _ handler: @escaping Handler,
        query: [String] = [], companionKeys: (@Sendable (Request) -> [String])? = nil
    ) {
        routes.append(
            Route(
                method: method, pattern: PathPattern(path).prefixed(by: prefix), access: access,
                limit: limit ?? defaultLimit, cache: cache, invalidates: invalidates, query: query,
                companionKeys: companionKeys, handler: handler))
    }
}
