/// A group of routes under one URL prefix, as a Flask blueprint: `Blueprint("books", prefix: "/books")`.
public struct Blueprint: Sendable {
    public let name: String
    public let prefix: String
    public private(set) var routes: [Route] = []

    public init(_ name: String, prefix: String = "") {
        self.name = name
        self.prefix = prefix
    }

    public mutating func get(_ path: String, _ handler: @escaping Handler) { add("GET", path, handler) }
    public mutating func post(_ path: String, _ handler: @escaping Handler) { add("POST", path, handler) }
    public mutating func put(_ path: String, _ handler: @escaping Handler) { add("PUT", path, handler) }
    public mutating func patch(_ path: String, _ handler: @escaping Handler) { add("PATCH", path, handler) }
    public mutating func delete(_ path: String, _ handler: @escaping Handler) { add("DELETE", path, handler) }

    private mutating func add(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, pattern: PathPattern(path).prefixed(by: prefix), handler: handler))
    }
}
