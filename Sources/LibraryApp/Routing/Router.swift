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
    /// The routes that can match a path, by its segment count and first segment, in table order
    /// (`candidates(for:)`): a request tries a handful instead of every route.
    private let byShape: [Shape: [Route]]

    /// A path's segment count and first segment (nil: a pattern that starts with an `{id}`, or a
    /// path whose first segment no pattern starts with).
    private struct Shape: Hashable {
        let count: Int
        let first: String?
    }

    public init(blueprints: [Blueprint]) throws(Invalid) {
        routes = blueprints.flatMap(\.routes)
        byShape = Self.shapes(of: routes)
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
        for route in candidates(for: pathSegments) {
            guard let parameters = route.pattern.match(pathSegments) else { continue }
            if route.method == lookupMethod { return .matched(route, parameters) }
            allowed.append(route.method)
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains(.get) { allowed.append(.head) }
        return .methodNotAllowed(allow: Self.canonicalOrder(allowed))
    }

    /// Every route that may match `pathSegments`, in table order: those whose pattern has as
    /// many segments and starts with the same literal or with an `{id}`.
    private func candidates(for pathSegments: [String]) -> [Route] {
        let first = pathSegments.first
        return byShape[Shape(count: pathSegments.count, first: first)] ?? byShape[Shape(count: pathSegments.count, first: nil)] ?? []
    }

    private static func shapes(of routes: [Route]) -> [Shape: [Route]] {
        let literalShapes = Set(
            routes.compactMap { route -> Shape? in
                guard case let .literal(first)? = route.pattern.segments.first else { return nil }
                return Shape(count: route.pattern.segments.count, first: first)
            })
        var shapes: [Shape: [Route]] = [:]
        for route in routes {
            let segments = route.pattern.segments
            switch segments.first {
            case let .literal(first)?:
                shapes[Shape(count: segments.count, first: first), default: []].append(route)
            case .id?:
                // Any first segment may match: in every bucket of its count, and its own.
                for shape in literalShapes where shape.count == segments.count {
                    shapes[shape, default: []].append(route)
                }
                shapes[Shape(count: segments.count, first: nil), default: []].append(route)
            case nil:
                shapes[Shape(count: 0, first: nil), default: []].append(route)
            }
        }
        return shapes
    }

    private static let methodOrder: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]

    private static func canonicalOrder(_ methods: [HTTPRequest.Method]) -> [HTTPRequest.Method] {
        methodOrder.filter(methods.contains)
    }
}
