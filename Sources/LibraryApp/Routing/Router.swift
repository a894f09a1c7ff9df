public import HTTPTypes

/// Finds the route for a method and path. `HEAD` is served by the `GET` route; a path that
/// exists under other methods gives the list for `Allow`.
///
/// The first route that matches answers, so the table is checked when it is built: a route
/// registered twice, or one that an earlier route answers in every case, would be dead code
/// that looks alive. Either stops start-up (`Invalid`).
public struct Router: Sendable {
    /// The routes that could never run, each with the earlier route that answers instead.
    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [String]
        public var description: String { "invalid route table: " + problems.joined(separator: "; ") }
    }

    public enum Resolution {
        case matched(Route, PathParameters)
        case methodNotAllowed(allow: [HTTPRequest.Method])
        case notFound
    }

    public let routes: [Route]

    public init(blueprints: [Blueprint]) throws(Invalid) {
        routes = blueprints.flatMap(\.routes)
        var problems: [String] = []
        for (index, route) in routes.enumerated() {
            guard let earlier = routes[..<index].first(where: { $0.answersEveryRequest(of: route) }) else { continue }
            problems.append(
                route.pattern.covers(earlier.pattern)
                    ? "\(route.name) is registered twice (\(earlier.name) first)"
                    : "\(route.name) can never run: \(earlier.name), registered before it, matches every path it matches")
        }
        if !problems.isEmpty { throw Invalid(problems: problems) }
    }

    public func resolve(method: HTTPRequest.Method, pathSegments: [String]) -> Resolution {
        let lookupMethod = method == .head ? .get : method
        var allowed: [HTTPRequest.Method] = []
        for route in routes {
            guard let parameters = route.pattern.match(pathSegments) else { continue }
            if route.method == lookupMethod { return .matched(route, parameters) }
            allowed.append(route.method)
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) { allowed.append(.head) }
        return .methodNotAllowed(allow: Self.canonicalOrder(allowed))
    }

    private static let methodOrder: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]

    private static func canonicalOrder(_ methods: [HTTPRequest.Method]) -> [HTTPRequest.Method] {
        methodOrder.filter(methods.contains)
    }
}
