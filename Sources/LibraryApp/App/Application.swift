import Logging

/// The app factory (`create_app`): a configuration in, the wired application out — the router
/// with every blueprint registered. Immutable and shared by all worker threads.
public final class Application: Sendable {
    public let configuration: Configuration
    public let router: Router
    let logger: Logger

    public convenience init(configuration: Configuration, logger: Logger) {
        var blueprints = [OperationsBlueprint.make()]
        if configuration.environment == .testing {
            blueprints.append(TestingBlueprint.make())
        }
        self.init(configuration: configuration, logger: logger, blueprints: blueprints)
    }

    init(configuration: Configuration, logger: Logger, blueprints: [Blueprint]) {
        self.configuration = configuration
        self.logger = logger
        router = Router(blueprints: blueprints)
    }

    /// The per-thread services a worker gives its handlers.
    public func makeContext() -> Context {
        Context(configuration: configuration, logger: logger)
    }

    /// Routes the request and turns every failure into a problem response: nothing a handler
    /// throws reaches the client as anything but a `4xx`/`5xx` problem.
    public func handle(_ request: Request, context: Context) -> Response {
        var request = request
        switch router.resolve(method: request.method, pathSegments: request.pathSegments) {
        case .notFound:
            return ProblemError(.notFound, detail: "No resource at \(request.rawPath)").response
        case let .methodNotAllowed(allow):
            var headers = HTTPHeaders()
            headers.set("Allow", allow.joined(separator: ", "))
            return ProblemError(.methodNotAllowed, detail: "\(request.method) is not allowed here; use \(allow.joined(separator: ", "))",
                                headers: headers).response
        case let .matched(route, parameters):
            request.pathParameters = parameters
            do {
                return try route.handler(request, context)
            } catch let problem as ProblemError {
                return problem.response
            } catch {
                context.logger.error("unhandled error", metadata: [
                    "request_id": "\(request.requestID)", "route": "\(route.method) \(route.pattern)",
                    "error": "\(String(reflecting: type(of: error)))",
                ])
                return ProblemError(.internalServerError, detail: "The server could not complete the request; quote request id \(request.requestID) when reporting it").response
            }
        }
    }
}
