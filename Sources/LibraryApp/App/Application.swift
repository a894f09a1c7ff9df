import Cache
import Glibc
import HTTPTypes
import Database
public import Logging
import Security
import Storage

/// The app factory (`create_app`): a configuration in, the wired application out — the router
/// with every blueprint registered, and the shared services. Immutable, shared by all workers.
public final class Application: Sendable {
    public let configuration: Configuration
    public let router: Router
    let logger: Logger
    let tokens: JWTSigner
    let passwords: PasswordService
    let cacheCoordinator: CacheCoordinator
    let healthCheck = HealthCheck()
    let pageAnchors = PageAnchors()
    /// Each worker's repositories: over a MariaDB connection of its own, or in the tests, in memory.
    private let makeSession: @Sendable (Logger) -> (any StorageSession)?

    /// Seconds a client is told to wait when the database is down.
    static let databaseRetryAfterSeconds = 5

    /// Throws `Router.Invalid` when the route table holds a route that could never run.
    public convenience init(configuration: Configuration, logger: Logger) throws(Router.Invalid) {
        try self.init(configuration: configuration, logger: logger, storage: nil)
    }

    /// Every blueprint, over the given storage (nil: MariaDB at `DATABASE_URL`); the handler
    /// tests pass an in-memory library.
    convenience init(
        configuration: Configuration, logger: Logger, storage: (@Sendable (Logger) -> (any StorageSession)?)?
    ) throws(Router.Invalid) {
        var blueprints = [
            OperationsBlueprint.make(), DocsBlueprint.make(logger: logger), UsersBlueprint.make(),
            BooksBlueprint.make(), LoansBlueprint.make(), HoldsBlueprint.make(), ReportsBlueprint.make(),
        ]
        if configuration.environment == .testing {
            blueprints.append(TestingBlueprint.make())
        }
        try self.init(configuration: configuration, logger: logger, blueprints: blueprints, storage: storage)
    }

    init(
        configuration: Configuration, logger: Logger, blueprints: [Blueprint],
        storage: (@Sendable (Logger) -> (any StorageSession)?)? = nil
    ) throws(Router.Invalid) {
        self.configuration = configuration
        makeSession =
            storage ?? { logger in
                configuration.database.map {
                    MariaDBSession(connection: DatabaseConnection(configuration: $0, logger: logger), holdPolicy: configuration.holdPolicy)
                }
            }
        self.logger = logger
        router = try Router(blueprints: blueprints)
        tokens = JWTSigner(secret: Array(configuration.secretKey.utf8))
        passwords = PasswordService(cost: configuration.passwordHashingCost)
        cacheCoordinator = CacheCoordinator(configuration: configuration.memcached, logger: logger)
    }

    /// Before serving: voids whatever an earlier process may have left stale (`CacheCoordinator`).
    public func bumpCacheEpochAtStart() {
        cacheCoordinator.bumpEpochAtStart()
    }

    /// The per-thread services a worker gives its handlers (its own database and memcached sessions).
    public func makeContext() -> Context {
        Context(
            configuration: configuration, logger: logger, tokens: tokens, passwords: passwords,
            cacheCoordinator: cacheCoordinator, healthCheck: healthCheck, pageAnchors: pageAnchors,
            session: makeSession(logger))
    }

    public func handle(_ request: Request, context: Context) -> Response {
        dispatch(request, context: context).response
    }

    /// Routes the request and runs what the route declares, in order: its rate limit, its access
    /// rule, its cache, the handler, its invalidation. Every failure becomes a problem response:
    /// nothing a handler throws reaches the client otherwise. Also names the route, for metrics.
    /// `consuming`: the request is moved in, not copied (a copy retains each of its parts).
    func dispatch(_ request: consuming Request, context: Context) -> (response: Response, route: String) {
        switch router.resolve(method: request.method, pathSegments: request.pathSegments) {
        case .notFound:
            return (ProblemError(.notFound, detail: "No resource at \(request.rawPath)").response, "unmatched")
        case let .methodNotAllowed(allow):
            let allowed = allow.map { $0.rawValue }.joined(separator: ", ")
            let problem = ProblemError(
                .methodNotAllowed, detail: "\(request.method) is not allowed here; use \(allowed)", headers: [.allow: allowed])
            return (problem.response, "unmatched")
        case let .matched(route, parameters):
            request.pathParameters = parameters
            var limit: RateLimitDecision?
            var response: Response
            // Only a handler changes data: an answer given before it ran invalidates nothing.
            var handlerRan = false
            do {
                // Everything the request needs from memcached is read in one round trip: its
                // rate-limit counts, its token check, its cached answer. The token's signature
                // is checked first (no I/O) so that its entry can ride along.
                let now = Int(time(nil))
                let counters = RateLimitGuard.counters(route, request, context, now: now)
                let token = route.access == .everyone ? nil : BearerAuthenticator.verify(request, context: context)
                let verified = try? token?.get()
                var keys: [String] = []
                keys.reserveCapacity(8)  // the token check's, the answer's and a companion: one allocation
                keys += verified?.cacheKeys ?? []
                // The cached answer's key, built once: read below, then used by `CachedRoute`.
                let answerKey = route.cache.map { ResponseCache.key(region: $0, request: request, parameters: route.query) }
                // A cached answer is worth reading only for a caller who may be given it.
                if let region = route.cache, let answerKey, token == nil || verified != nil {
                    keys += ResponseCache.keys(region: region, answerKey: answerKey)
                    keys += route.companionKeys?(request) ?? []
                }
                let (reads, counted) = CacheReads.fetch(keys, counting: counters.map { $0.key }, context: context)
                request.cacheReads = reads
                limit = try RateLimitGuard.check(counters, counted: counted, context, now: now)
                if let token {
                    let principal = try BearerAuthenticator.authenticate(try token.get(), reads: reads, context: context)
                    if route.access == .admin && !principal.isAdmin {
                        throw ProblemError(.forbidden, detail: "This action needs an admin account")
                    }
                    request.principal = principal
                }
                handlerRan = true
                if let region = route.cache, let answerKey {
                    response = try CachedRoute.respond(route, region: region, answerKey: answerKey, request, context, reads: reads)
                } else {
                    response = try route.handler(request, context)
                }
            } catch {
                response = problem(for: error, request: request, route: route, context: context).response
            }
            // A write that succeeded, or failed in an unknown state (5xx), may have changed what
            // the region caches; 4xx answers changed nothing, and neither did a refusal (429,
            // 503, ...) before the handler ran.
            if let invalidation = route.invalidates, handlerRan, !(400..<500).contains(response.status.code) {
                context.invalidate { try ResponseCache(client: $0, timeoutSeconds: 0).invalidate(invalidation) }
            }
            // Appended, not set: no handler writes these names (a refusal that carries them is
            // thrown before `limit` is assigned), and a set scans the list per field.
            // Room for these and the `X-Request-Id` the adapter adds: the list grows once at most.
            response.headers.reserveCapacity(response.headers.count + (limit == nil ? 0 : 3) + 1)
            if let limit { RateLimitGuard.appendHeaders(of: limit, to: &response.headers) }
            return (response, route.name)
        }
    }

    /// What a client is told of a failure: the problem an error says it is (`ProblemRepresentable`),
    /// a `503` for a database that is down or still deadlocked, else a `500` that reveals nothing.
    private func problem(for error: any Error, request: Request, route: Route, context: Context) -> ProblemError {
        if let error = error as? any ProblemRepresentable { return error.problem }
        if let error = error as? DatabaseError { return databaseProblem(error, request: request, route: route, context: context) }
        return internalError(error, request: request, route: route, context: context)
    }

    private func databaseProblem(_ error: DatabaseError, request: Request, route: Route, context: Context) -> ProblemError {
        if case .deadlock = error {
            // Still deadlocked after its transaction's retries: rolled back, nothing written,
            // so the client may simply try again (found by `make soak`: a 500 before).
            AppMetrics.databaseError(kind: .deadlock)
            context.logger.warning(
                "transaction still deadlocked after its retries",
                metadata: ["request_id": "\(request.requestID)", "route": "\(route.name)"])
            return ProblemError(
                .serviceUnavailable, detail: "Too many concurrent changes to the same data; try again shortly",
                headers: [.retryAfter: "1"])
        }
        guard case .unavailable = error else {
            return internalError(error, request: request, route: route, context: context)
        }
        AppMetrics.databaseError(kind: .unavailable)
        context.logger.warning("database unavailable", metadata: ["request_id": "\(request.requestID)", "error": "\(error)"])
        return ProblemError(
            .serviceUnavailable, detail: "The database is unavailable; try again shortly",
            headers: [.retryAfter: String(Self.databaseRetryAfterSeconds)])
    }

    /// Logged with the request id; the client gets only the id to quote.
    private func internalError(_ error: any Error, request: Request, route: Route, context: Context) -> ProblemError {
        if error is DatabaseError { AppMetrics.databaseError(kind: .other) }
        context.logger.error(
            "unhandled error",
            metadata: [
                "request_id": "\(request.requestID)", "route": "\(route.name)",
                "error": "\(error is DatabaseError ? "\(error)" : String(reflecting: type(of: error)))",
            ])
        return ProblemError(
            .internalServerError,
            detail: "The server could not complete the request; quote request id \(request.requestID) when reporting it")
    }
}
