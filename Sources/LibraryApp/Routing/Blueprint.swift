/// A group of routes under one URL prefix, as a Flask blueprint: `Blueprint("books", prefix: "/books")`.
/// Each route states who may call it: `books.get("/{id}", access: .user) { request, context in ... }`.
public struct Blueprint: Sendable {
    public let name: String
    public let prefix: String
    public private(set) var routes: [Route] = []

    public init(_ name: String, prefix: String = "") {
        self.name = name
        self.prefix = prefix
    }

    public mutating func get(_ path: String, access: Access, _ handler: @escaping Handler) {
        add("GET", path, access, handler)
    }

    public mutating func post(_ path: String, access: Access, _ handler: @escaping Handler) {
        add("POST", path, access, handler)
    }

    public mutating func put(_ path: String, access: Access, _ handler: @escaping Handler) {
        add("PUT", path, access, handler)
    }

    public mutating func patch(_ path: String, access: Access, _ handler: @escaping Handler) {
        add("PATCH", path, access, handler)
    }

    public mutating func delete(_ path: String, access: Access, _ handler: @escaping Handler) {
        add("DELETE", path, access, handler)
    }

    private mutating func add(_ method: String, _ path: String, _ access: Access, _ handler: @escaping Handler) {
        routes.append(Route(method: method, pattern: PathPattern(path).prefixed(by: prefix), access: access, handler: handler))
    }
}
