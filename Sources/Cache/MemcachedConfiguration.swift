/// How a `MemcachedClient` reaches its servers, and how little it waits for a bad one.
///
/// The defaults make a dead or hung server cost milliseconds: a refused connect fails at once, a
/// silent one after `connectTimeout`, a hung server after `pollTimeout`; the server then sits out
/// `retryTimeout` seconds (calls to it fail at once) and, with `removeFailedServers`, leaves the
/// ketama continuum so its keys go to the other servers until it is tried again.
public struct MemcachedConfiguration: Sendable, Equatable {
    public var servers: [MemcachedServer]
    /// Prepended to every key, so several applications can share servers. At most 128 bytes.
    public var keyPrefix: String
    /// Milliseconds to wait for a TCP connect (libmemcached default: 4000).
    public var connectTimeoutMilliseconds: Int
    /// Milliseconds to wait for a socket to become readable or writable (libmemcached default: 5000).
    public var pollTimeoutMilliseconds: Int
    /// SO_SNDTIMEO / SO_RCVTIMEO, milliseconds.
    public var socketTimeoutMilliseconds: Int
    /// Seconds a failed server is left alone before the next connect attempt (RETRY_TIMEOUT and
    /// DEAD_TIMEOUT: without the latter an ejected server would never come back).
    public var retryTimeoutSeconds: Int
    /// Failures before a server is ejected from the continuum (SERVER_FAILURE_LIMIT, at least 1).
    public var serverFailureLimit: Int
    /// Eject failed servers so their keys are rehashed onto the live ones (REMOVE_FAILED_SERVERS).
    public var removeFailedServers: Bool

    public init(
        servers: [MemcachedServer],
        keyPrefix: String = "",
        connectTimeoutMilliseconds: Int = 50,
        pollTimeoutMilliseconds: Int = 100,
        socketTimeoutMilliseconds: Int = 100,
        retryTimeoutSeconds: Int = 2,
        serverFailureLimit: Int = 1,
        removeFailedServers: Bool = true
    ) {
        self.servers = servers
        self.keyPrefix = keyPrefix
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.pollTimeoutMilliseconds = pollTimeoutMilliseconds
        self.socketTimeoutMilliseconds = socketTimeoutMilliseconds
        self.retryTimeoutSeconds = retryTimeoutSeconds
        self.serverFailureLimit = serverFailureLimit
        self.removeFailedServers = removeFailedServers
    }

    /// A configuration from `MEMCACHED_SERVERS` notation: `host:port,/abs/path.sock,...`.
    public init(serverList: String, keyPrefix: String = "") throws {
        self.init(servers: try MemcachedServer.parseList(serverList), keyPrefix: keyPrefix)
        try validate()
    }

    /// Throws `CacheError.invalidConfiguration` for values libmemcached would reject or misuse.
    public func validate() throws {
        guard !servers.isEmpty else { throw CacheError.invalidConfiguration("no servers") }
        guard keyPrefix.utf8.count <= 128 else { throw CacheError.invalidConfiguration("key prefix longer than 128 bytes") }
        guard CacheKey.isValid(keyPrefix) || keyPrefix.isEmpty else {
            throw CacheError.invalidConfiguration("key prefix holds a space or control character")
        }
        for (name, value) in [
            ("connect timeout", connectTimeoutMilliseconds), ("poll timeout", pollTimeoutMilliseconds),
            ("socket timeout", socketTimeoutMilliseconds), ("retry timeout", retryTimeoutSeconds),
            ("server failure limit", serverFailureLimit),
        ] where value < 1 {
            throw CacheError.invalidConfiguration("\(name) must be positive")
        }
    }
}
