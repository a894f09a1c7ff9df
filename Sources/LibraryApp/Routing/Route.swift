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

/// One endpoint: a method and a path pattern, the handler, and what is declared beside it.
public struct Route: Sendable {
    public let method: String
    public let pattern: PathPattern
    public let access: Access
    public let handler: Handler

    public init(method: String, pattern: PathPattern, access: Access, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.access = access
        self.handler = handler
    }
}
