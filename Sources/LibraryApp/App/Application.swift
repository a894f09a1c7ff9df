import Database
import Logging
import Security

/// The app factory (`create_app`): a configuration in, the wired application out — the router
/// with every blueprint registered, and the shared services. Immutable, shared by all workers.
public final class Application: Sendable {
    public let configuration: Configuration
    public let router: Router
    let logger: Logger
    let tokens: JWTSigner
    let passwords: PasswordService

    /// Seconds a client is told to wait when the database is down.
    static let databaseRetryAfterSeconds = 5

    public convenience init(configuration: Configuration, logger: Logger) {
        var blueprints = [OperationsBlueprint.make(), UsersBlueprint.make(), BooksBlueprint.make(), LoansBlueprint.make()]
        if configuration.environment == .testing {
            blueprints.append(TestingBlueprint.make())
        }
        self.init(configuration: configuration, logger: logger, blueprints: blueprints)
    }

    init(configuration: Configuration, logger: Logger, blueprints: [Blueprint]) {
        self.configuration = configuration
        self.logger = logger
        router = Router(blueprints: blueprints)
        tokens = JWTSigner(secret: Array(configuration.secretKey.utf8))
        passwords = PasswordService(cost: configuration.passwordHashingCost)
    }

    /// The per-thread services a worker gives its handlers (its own database session).
    public func makeContext() -> Context {
        Context(configuration: configuration, logger: logger, tokens: tokens, passwords: passwords,
                databaseConfiguration: configuration.database)
    }

    /// Routes the request, enforces the route's access rule, runs the handler, and turns every
    /// failure into a problem response: nothing a handler throws reaches the client otherwise.
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
                if route.access != .everyone {
                    let principal = try BearerAuthenticator.authenticate(request, context: context)
                    if route.access == .admin && !principal.isAdmin {
                        throw ProblemError(.forbidden, detail: "This action needs an admin account")
                    }
                    request.principal = principal
                }
                return try route.handler(request, context)
            } catch let problem as ProblemError {
                return problem.response
            } catch let error as DatabaseError {
                return databaseProblem(error, request: request, route: route, context: context).response
            } catch {
                return internalError(error, request: request, route: route, context: context).response
            }
        }
    }

    private func databaseProblem(_ error: DatabaseError, request: Request, route: Route, context: Context) -> ProblemError {
        guard case .unavailable = error else {
            return internalError(error, request: request, route: route, context: context)
        }
        context.logger.warning("database unavailable", metadata: ["request_id": "\(request.requestID)", "error": "\(error)"])
        var headers = HTTPHeaders()
        headers.set("Retry-After", String(Self.databaseRetryAfterSeconds))
        return ProblemError(.serviceUnavailable, detail: "The database is unavailable; try again shortly", headers: headers)
    }

    /// Logged with the request id; the client gets only the id to quote.
    private func internalError(_ error: Error, request: Request, route: Route, context: Context) -> ProblemError {
        context.logger.error("unhandled error", metadata: [
            "request_id": "\(request.requestID)", "route": "\(route.method) \(route.pattern)",
            "error": "\(error is DatabaseError ? "\(error)" : String(reflecting: type(of: error)))",
        ])
        return ProblemError(.internalServerError,
                            detail: "The server could not complete the request; quote request id \(request.requestID) when reporting it")
    }
}
