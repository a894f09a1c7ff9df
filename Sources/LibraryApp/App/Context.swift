import Cache
import Database
public import Logging
public import Security
import Storage

/// What a handler may use besides its request: the services of the worker thread serving it.
/// One per worker thread, never shared, so nothing in it needs a lock.
///
/// The state a request reads and writes (`accessLog`, the tokens and entries remembered) is
/// `@exclusivity(unchecked)`: one thread, one request at a time, and no access to one of them
/// runs inside another's, so the runtime's dynamic exclusivity check (a thread-local lookup
/// and a record per access, several per request) would only ever pass.
public final class Context {
    public let configuration: Configuration
    public var logger: Logger {
        didSet {  // the worker's own logger replaces the process's
            cacheSeal.logger = logger
            accessLog = AccessLogWriter(logger.handler)
        }
    }
    /// `logger`'s handler when it is ours, which writes the access line straight into its
    /// bytes (`LineLogHandler.logAccess`): looked up when the logger is set, not per request.
    @exclusivity(unchecked) private(set) var accessLog: AccessLogWriter?
    public let tokens: JWTSigner
    public let passwords: PasswordService
    let cacheCoordinator: CacheCoordinator
    let healthCheck: HealthCheck
    /// Where deep pages of book lists start, shared by the process's workers.
    let pageAnchors: PageAnchors
    /// Tags and checks this thread's cache entries (see `CacheEntrySeal`).
    let cacheSeal: CacheEntrySeal
    /// Tokens this thread has verified (see `VerifiedTokenCache`).
    @exclusivity(unchecked) var verifiedTokens = VerifiedTokenCache()
    /// Token checks and cached answers this thread opened last (see `OpenedEntries`).
    @exclusivity(unchecked) var openedTokenChecks = OpenedEntries<AuthCache.Check>()
    @exclusivity(unchecked) var openedAnswers = OpenedEntries<CachedRoute.Hit>()
    private let session: (any StorageSession)?
    private let cacheClient: MemcachedClient?
    /// `configuration.memcached`, parsed once: a write's invalidation may need a fresh client.
    private let memcached: MemcachedConfiguration?

    init(
        configuration: Configuration, logger: Logger, tokens: JWTSigner, passwords: PasswordService,
        cacheCoordinator: CacheCoordinator, healthCheck: HealthCheck, pageAnchors: PageAnchors,
        session: (any StorageSession)?
    ) {
        self.configuration = configuration
        self.logger = logger
        accessLog = AccessLogWriter(logger.handler)
        self.tokens = tokens
        self.passwords = passwords
        self.cacheCoordinator = cacheCoordinator
        self.healthCheck = healthCheck
        self.pageAnchors = pageAnchors
        cacheSeal = CacheEntrySeal(secretKey: configuration.secretKey, logger: logger)
        self.session = session
        memcached = configuration.memcached
        cacheClient = memcached.map { MemcachedClient(configuration: $0, logger: logger) }
    }

    /// This thread's repositories (one MariaDB session, which connects or reconnects on first use).
    func storage() throws -> any StorageSession {
        guard let session else { throw DatabaseError.unavailable(code: 0, message: "DATABASE_URL is not set") }
        return session
    }

    /// Whether this thread holds an open MariaDB session (metrics).
    var hasDatabaseConnection: Bool { session?.isConnected ?? false }

    /// Whether this thread's memcached client holds its connections (metrics).
    var hasMemcachedConnection: Bool { cacheClient?.isConnected ?? false }

    /// This thread's memcached client, for counters (rate limits): nil without `MEMCACHED_SERVERS`.
    var counters: MemcachedClient? { cacheClient }

    /// This thread's memcached client for cached answers, when they can be trusted: no
    /// invalidation was lost since the last epoch bump, and this client has no server set aside
    /// (its keys would live elsewhere than where other clients look). Nil means: the database.
    var cache: MemcachedClient? {
        guard let cacheClient, cacheCoordinator.cacheIsTrustworthy, cacheClient.usesEveryServer() else { return nil }
        return cacheClient
    }

    /// Runs an invalidation; one that cannot reach memcached makes the cache untrusted until the
    /// epoch is bumped.
    ///
    /// This thread's client may hold an old view of a server that is back: set aside after a
    /// timeout (it would put the invalidation on another server, where no other process looks)
    /// or in libmemcached's back-off after a refused connect (it would fail at once). Other
    /// processes may be reading that server's old numbers meanwhile, so the invalidation goes
    /// once more through a new client over every server before it counts as lost (a connection
    /// more, only while a server is away or just back).
    func invalidate(_ work: (MemcachedClient) throws -> Void) {
        guard let cacheClient, let memcached else { return }
        do {
            try Self.deliver(work, through: cacheClient)
        } catch {
            do {
                try Self.deliver(work, through: MemcachedClient(configuration: memcached, logger: logger))
            } catch {
                cacheCoordinator.recordLostInvalidation(error)
            }
        }
    }

    private static func deliver(_ work: (MemcachedClient) throws -> Void, through client: MemcachedClient) throws {
        guard client.usesEveryServer() else { throw SuspectedRemap() }
        try work(client)
        if !client.usesEveryServer() { throw SuspectedRemap() }
    }

    /// The user's cached token checks are void (after a change to the user, or their deletion).
    func forgetCachedUser(_ userID: Int64) {
        invalidate { try AuthCache(client: $0, seal: cacheSeal).forget(userID: userID) }
    }
}
