/// Finds the route for a method and path. `HEAD` is served by the `GET` route; a path that
/// exists under other methods gives the list for `Allow`.
public struct Router: Sendable {
    public enum Resolution {
        case matched(Route, PathParameters)
        case methodNotAllowed(allow: [String])
        case notFound
    }

    public let routes: [Route]

    public init(blueprints: [Blueprint]) {
        routes = blueprints.flatMap(\.routes)
    }

    public func resolve(method: String, pathSegments: [String]) -> Resolution {
        let lookupMethod = method == "HEAD" ? "GET" : method
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.pattern.match(pathSegments) else { continue }
            if route.method == lookupMethod { return .matched(route, parameters) }
            allowed.append(route.method)
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET") { allowed.append("HEAD") }
        return .methodNotAllowed(allow: Self.canonicalOrder(allowed))
    }

    private static let methodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

    private static func canonicalOrder(_ methods: [String]) -> [String] {
        methodOrder.filter(methods.contains)
    }
}
