/// What a handler is given besides the request: the services of the worker thread serving it.
public typealias Handler = @Sendable (Request, Context) throws -> Response

/// One endpoint: a method and a path pattern, the handler, and what is declared beside it.
public struct Route: Sendable {
    public let method: String
    public let pattern: PathPattern
    public let handler: Handler

    public init(method: String, pattern: PathPattern, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.handler = handler
    }
}
