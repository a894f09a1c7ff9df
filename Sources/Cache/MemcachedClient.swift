import CMemcached
public import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// A memcached client over libmemcached: values are bytes, keys are strings (see `CacheKey`).
///
/// Not thread-safe, by design: a `memcached_st` and its sockets belong to one thread at a time, so
/// give each worker thread its own client (no locks on the request path). The handle is created on
/// first use and kept; after a server failure the same client reconnects by itself once the
/// server's retry back-off has passed. A server that times out is set aside by this client for
/// the retry timeout (see `ServerSuspensions`): each worker pays one poll timeout per retry period.
///
/// The request path's call (`incrementWithoutReplyThenGetMulti`) goes, with one server, over a
/// second connection of the client's own that sends it in one write (`MemcachedPipeline`).
///
/// Every call returns quickly when servers are down or hung (see `MemcachedConfiguration`), with
/// `CacheError.unavailable` or `.timeout`; callers serve without the cache.
public final class MemcachedClient {
    public let configuration: MemcachedConfiguration
    /// Failures are logged at debug level only: the caller decides what deserves a warning.
    public var logger: Logger
    private var handle: UnsafeMutablePointer<memcached_st>?
    /// The configured servers (indices) that `handle` was built with.
    private var handleServers: [Int] = []
    private var suspensions: ServerSuspensions
    /// The request path's one-write connection (one server only), made on first use.
    private var pipeline: MemcachedPipeline?

    /// Expirations above 30 days are read by memcached as Unix times, not durations.
    private static let longestRelativeExpiration = 60 * 60 * 24 * 30

    public init(configuration: MemcachedConfiguration, logger: Logger = Logger(label: "cache.memcached")) {
        self.configuration = configuration
        self.logger = logger
        self.suspensions = ServerSuspensions(serverCount: configuration.servers.count)
    }

    deinit {
        if let handle { memcached_free(handle) }
    }

    /// Whether the client holds a libmemcached handle, which keeps its server connections open
    /// between calls (and reconnects by itself), or the request path's one-write connection;
    /// neither before first use or after a failure.
    public var isConnected: Bool { handle != nil || pipeline?.isConnected == true }

    // MARK: Values

    /// The value stored under `key`, or `nil` when there is none.
    public func get(_ key: String) throws -> [UInt8]? {
        let wire = try wireKey(key)
        let memc = try connection()
        var length = 0
        var flags: UInt32 = 0
        var rc = MEMCACHED_SUCCESS
        let value = wire.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { memcached_get(memc, $0.baseAddress, $0.count, &length, &flags, &rc) }
        }
        // The buffer is malloc'd and not NUL-terminated: copy by length, then free.
        defer { free(value) }
        if rc == MEMCACHED_NOTFOUND { return nil }
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
        guard let value, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// The values of those of `keys` that are stored, in one round trip per server. Keys whose
    /// server failed are missing from the answer, as misses are; it throws only when every
    /// server failed.
    public func getMulti(_ keys: [String]) throws -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        // Few keys (a request reads at most six): parallel arrays, matched by a linear search,
        // cost less than hashing byte arrays.
        var wireKeys: [[UInt8]] = []
        var names: [String] = []
        wireKeys.reserveCapacity(keys.count)
        names.reserveCapacity(keys.count)
        for key in keys {
            let wire = try wireKey(key)
            if !wireKeys.contains(wire) {
                wireKeys.append(wire)
                names.append(key)
            }
        }
        let memc = try connection()
        // Keys as raw bytes (a hashed key's head may end inside a UTF-8 sequence).
        let copies = wireKeys.map { key -> UnsafeMutablePointer<CChar> in
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: key.count)
            key.withUnsafeBytes { UnsafeMutableRawPointer(copy).copyMemory(from: $0.baseAddress!, byteCount: key.count) }
            return copy
        }
        defer { copies.forEach { $0.deallocate() } }
        let lengths = wireKeys.map { $0.count }
        let rc = memcached_mget(memc, copies.map { UnsafePointer($0) }, lengths, wireKeys.count)
        // mget answers FAILURE when it could send to no server at all.
        if rc == MEMCACHED_FAILURE { throw CacheError.unavailable("no server took the multi-get") }
        guard rc == MEMCACHED_SUCCESS || rc == MEMCACHED_SOME_ERRORS else { throw failure(rc) }
        var lastFailure = MEMCACHED_SUCCESS
        defer { if lastFailure == MEMCACHED_TIMEOUT { _ = failure(lastFailure) } }

        var found: [String: [UInt8]] = [:]
        while true {
            var fetch = MEMCACHED_SUCCESS
            guard let result = memcached_fetch_result(memc, nil, &fetch) else {
                if fetch != MEMCACHED_END && fetch != MEMCACHED_NOTFOUND { lastFailure = fetch }
                break
            }
            defer { memcached_result_free(result) }
            let wire = UnsafeRawBufferPointer(start: memcached_result_key_value(result), count: memcached_result_key_length(result))
            if let index = wireKeys.firstIndex(where: { $0.elementsEqual(wire) }) {
                found[names[index]] = Array(
                    UnsafeRawBufferPointer(start: memcached_result_value(result), count: memcached_result_length(result)))
            }
        }
        return found
    }

    /// Stores `value` under `key` for `expiration` seconds (0: until evicted).
    public func set(_ key: String, _ value: [UInt8], expiration: Int = 0) throws {
        let wire = try wireKey(key)
        let rc = try store(memcached_set, wire: wire, value, expiration)
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
    }

    /// Stores `value` under `key` without waiting for memcached's answer (`noreply`): for entries
    /// whose loss only costs a later miss (cached answers, counts, token checks), so a miss does
    /// not wait for a round trip it does not need. memcached answers nothing to a `noreply`
    /// store, not even a refusal (a value too large, no memory), so the connection's next answer
    /// is still the next command's. With one server it goes out on the request path's connection
    /// (`MemcachedPipeline`), in one write; with several, through libmemcached.
    public func setWithoutReply(_ key: String, _ value: [UInt8], expiration: Int = 0) throws {
        if configuration.servers.count == 1 {
            try requireValid(key)
            try onPipeline { try $0.setWithoutReply(prefix: configuration.keyPrefix, key: key, value, expiration: relative(expiration)) }
            return
        }
        let wire = try wireKey(key)
        let memc = try connection()
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 1)  // a flag: no reconnect
        defer { memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 0) }
        let rc = try store(memcached_set, wire: wire, value, expiration)
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
    }

    /// Stores `value` only if `key` holds nothing; `false` when it already does.
    @discardableResult
    public func add(_ key: String, _ value: [UInt8], expiration: Int = 0) throws -> Bool {
        let wire = try wireKey(key)
        let rc = try store(memcached_add, wire: wire, value, expiration)
        if rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS { return false }
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
        return true
    }

    /// Removes `key`; `false` when there was nothing to remove.
    @discardableResult
    public func delete(_ key: String) throws -> Bool {
        let wire = try wireKey(key)
        let memc = try connection()
        let rc = wire.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { memcached_delete(memc, $0.baseAddress, $0.count, 0) }
        }
        if rc == MEMCACHED_NOTFOUND { return false }
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
        return true
    }

    // MARK: Counters

    /// Adds `delta` to the decimal number stored under `key` (wrapping at 2^64, as memcached
    /// does); `nil` when the key holds nothing. The expiration of the key is left as it was.
    public func increment(_ key: String, by delta: UInt32 = 1) throws -> UInt64? {
        try increment(wire: try wireKey(key), by: delta)
    }

    /// Takes `delta` from the decimal number stored under `key` (memcached stops at 0); `nil`
    /// when the key holds nothing.
    @discardableResult
    public func decrement(_ key: String, by delta: UInt32 = 1) throws -> UInt64? {
        try arithmetic(memcached_decrement, wire: try wireKey(key), by: delta)
    }

    /// Counts one hit on `key`, creating it at 1 with `expiration` seconds to live if it holds
    /// nothing, and answers the new count. Atomic across threads, processes and hosts.
    ///
    /// Text protocol: `incr` first, the common case, one round trip. Only the first hit of a
    /// window finds no key and pays for an `add` (and, if another client's `add` won the race, a
    /// second `incr`). The key's lifetime is set once, by that `add`: a fixed window.
    public func incrementCounter(_ key: String, expiration: Int) throws -> UInt64 {
        let wire = try wireKey(key)
        if let count = try increment(wire: wire, by: 1) { return count }
        for attempt in 0..<2 {
            let rc = try store(memcached_add, wire: wire, Array("1".utf8), expiration)
            if rc == MEMCACHED_SUCCESS { return 1 }
            guard rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS else { throw failure(rc, wire) }
            // Another client's add won the race: count on its key. (If that key expired or was
            // evicted in between, add once more.)
            if let count = try increment(wire: wire, by: 1) { return count }
            if attempt == 1 { break }
        }
        throw CacheError.other(code: -1, message: "counter key vanished twice between add and incr")
    }

    /// Adds one to each of `keys` without waiting for an answer (memcached's `noreply`): each
    /// command goes out at once on the connection of its key's server, so a `getMulti` that
    /// follows on this client reads counts that hold these hits — one round trip for both. A key
    /// that holds nothing stays absent (`incrementCounter` creates it).
    public func incrementWithoutReply(_ keys: [String]) throws {
        let wires = try keys.map(wireKey)
        let memc = try connection()
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 1)  // a flag: no reconnect
        defer { memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 0) }
        for wire in wires {
            var unused: UInt64 = 0
            let rc = wire.withUnsafeBufferPointer { k in
                k.withMemoryRebound(to: CChar.self) { memcached_increment(memc, $0.baseAddress, $0.count, 1, &unused) }
            }
            guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
        }
    }

    /// Counts one hit on each of `counters` without waiting for an answer, then reads `keys` and
    /// the counters (their counts then hold these hits): the request path's memcached traffic.
    /// With one server both go out in one write (`MemcachedPipeline`); with several, the hits
    /// and the reads go as `incrementWithoutReply` and `getMulti` do. `countingFailure` says why
    /// the hits could not be sent (the keys are then read without the counters); it throws when
    /// the reads failed too, or, with nothing else to read, with the counting's failure.
    public func incrementWithoutReplyThenGetMulti(
        counting counters: [String], reading keys: [String]
    ) throws -> (
        values: [String: [UInt8]], countingFailure: CacheError?
    ) {
        var values: [String: [UInt8]] = [:]
        let counting = try incrementWithoutReplyThenGet(counting: counters, reading: keys) { index, value in
            values[index < keys.count ? keys[index] : counters[index - keys.count]] = Array(value)
        }
        return (values, counting)
    }

    /// `incrementWithoutReplyThenGetMulti` without a dictionary: hands over each value found
    /// with its index in `keys + counters` (each key once; a key given twice is found at its
    /// first index). The request path's form: its few values are looked up by position. Before
    /// the values, `sizing` is told their total length: one buffer of that size holds them all
    /// (no growing, and for a cached book no allocation in malloc's large, consolidating range).
    /// Neither closure may call this client: the values are lent out of its buffer meanwhile.
    public func incrementWithoutReplyThenGet(
        counting counters: [String], reading keys: [String], sizing: (Int) -> Void = { _ in },
        found: (Int, UnsafeRawBufferPointer) -> Void
    ) throws -> CacheError? {
        if configuration.servers.count == 1, !counters.isEmpty || !keys.isEmpty {
            try pipelinedIncrementThenGet(counters, keys, sizing: sizing, found: found)
            return nil
        }
        var counting: CacheError?
        if !counters.isEmpty {
            do {
                try incrementWithoutReply(counters)
            } catch {
                counting = error as? CacheError ?? .other(code: -1, message: "\(error)")
            }
        }
        let reads = keys + (counting == nil ? counters : [])
        if reads.isEmpty, let counting { throw counting }
        let values = try getMulti(reads)
        sizing(values.values.reduce(0) { $0 + $1.count })
        for (index, key) in reads.enumerated() where reads.firstIndex(of: key) == index {
            values[key].map { value in value.withUnsafeBytes { found(index, $0) } }
        }
        return counting
    }

    private func pipelinedIncrementThenGet(
        _ counters: [String], _ keys: [String], sizing: (Int) -> Void, found: (Int, UnsafeRawBufferPointer) -> Void
    ) throws {
        for key in keys { try requireValid(key) }
        for key in counters { try requireValid(key) }
        try onPipeline {
            try $0.incrementAndGet(prefix: configuration.keyPrefix, increments: counters, keys: keys, sizing: sizing, found: found)
        }
    }

    /// Runs `call` on the one-write connection (made on first use); a timeout suspends the server.
    private func onPipeline(_ call: (MemcachedPipeline) throws -> Void) throws {
        // A suspended server (after a timeout) fails at once, as through libmemcached.
        guard !suspensions.live().isEmpty else { throw CacheError.unavailable("every server is suspended after a timeout") }
        let pipe = pipeline ?? MemcachedPipeline(configuration)
        pipeline = pipe
        do {
            try call(pipe)
        } catch let error as CacheError {
            logger.debug("memcached call failed", metadata: ["error": "\(error)"])
            if case .timeout = error {
                suspensions.suspend(0, seconds: configuration.retryTimeoutSeconds)
                logger.debug("memcached server suspended", metadata: ["server": "\(configuration.servers[0])"])
            }
            throw error
        }
    }

    // MARK: Operations

    /// Asks every server for its statistics: one entry per configured server, in order. A server
    /// in its retry back-off, or suspended after a timeout, is reported unreachable at once.
    public func health() -> [ServerStatus] {
        guard let memc = try? connection() else {
            return configuration.servers.map { ServerStatus(server: $0, isReachable: false) }
        }
        var rc = MEMCACHED_SUCCESS
        guard let stats = memcached_stat(memc, nil, &rc) else {
            return configuration.servers.map { ServerStatus(server: $0, isReachable: false) }
        }
        defer { memcached_stat_free(memc, stats) }
        return configuration.servers.enumerated().map { index, server in
            // Suspended servers are not in the handle, and not asked.
            guard let position = handleServers.firstIndex(of: index) else { return ServerStatus(server: server, isReachable: false) }
            let stat = stats[position]
            // libmemcached leaves pid at -1 for a server that did not answer.
            guard stat.pid > 0 else { return ServerStatus(server: server, isReachable: false) }
            return ServerStatus(
                server: server, isReachable: true, currentItems: UInt64(stat.curr_items),
                uptimeSeconds: UInt64(stat.uptime),
                version: withUnsafeBytes(of: stat.version) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) })
        }
    }

    /// False while this client has set a hung server aside: its keys then live on another
    /// server for this client only, so a write through it may miss readers on other clients.
    public func usesEveryServer() -> Bool {
        suspensions.live().count == configuration.servers.count  // `live` makes no list while none is set aside
    }

    /// Whether at least one server answers.
    public func ping() -> Bool { health().contains(where: \.isReachable) }

    /// Invalidates every item on every reachable server.
    public func flushAll() throws {
        let memc = try connection()
        let rc = memcached_flush(memc, 0)
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc) }
    }

    // MARK: Plumbing

    /// The handle over the servers not suspended, rebuilt when that set changes.
    private func connection() throws -> UnsafeMutablePointer<memcached_st> {
        let live = suspensions.live()
        if let handle, live == handleServers { return handle }
        if let handle { memcached_free(handle) }
        handle = nil
        guard !live.isEmpty else { throw CacheError.unavailable("every server is suspended after a timeout") }
        var subset = configuration
        subset.servers = live.map { configuration.servers[$0] }
        let created = try MemcachedHandle.make(subset)
        handle = created
        handleServers = live
        return created
    }

    /// The error for `rc`; a timeout also suspends the server of `wire` (or, without a key, the
    /// server libmemcached last disconnected).
    private func failure(_ rc: memcached_return_t, _ wire: [UInt8]? = nil) -> CacheError {
        let error = ReturnCode.error(rc, handle)
        logger.debug("memcached call failed", metadata: ["error": "\(error)"])
        if rc == MEMCACHED_TIMEOUT, let index = serverIndex(of: wire) {
            suspensions.suspend(index, seconds: configuration.retryTimeoutSeconds)
            logger.debug("memcached server suspended", metadata: ["server": "\(configuration.servers[index])"])
        }
        return error
    }

    /// The configured index of the server holding `wire`, or of the last one disconnected.
    private func serverIndex(of wire: [UInt8]?) -> Int? {
        guard let handle else { return nil }
        var rc = MEMCACHED_SUCCESS
        let instance =
            wire.map { wire in
                wire.withUnsafeBufferPointer { k in
                    k.withMemoryRebound(to: CChar.self) { memcached_server_by_key(handle, $0.baseAddress, $0.count, &rc) }
                }
            } ?? memcached_server_get_last_disconnect(handle)
        guard let instance, let name = memcached_server_name(instance) else { return nil }
        let host = String(cString: name), port = memcached_server_port(instance)
        return handleServers.first { index in
            switch configuration.servers[index] {
            case let .tcp(h, p): return h == host && p == port
            case let .unixSocket(path): return path == host
            }
        }
    }

    /// Throws the reason `key` cannot be used (`CacheKey.wireKey`'s), without making its wire form.
    private func requireValid(_ key: String) throws {
        if !CacheKey.isValid(key) { _ = try wireKey(key) }
    }

    private func wireKey(_ key: String) throws -> [UInt8] {
        try CacheKey.wireKey(key, prefix: configuration.keyPrefix)
    }

    private typealias StoreFunction = (
        UnsafeMutablePointer<memcached_st>?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int, time_t, UInt32
    ) -> memcached_return_t

    /// memcached's `exptime` for a lifetime of `expiration` seconds (0: none).
    private func relative(_ expiration: Int) -> Int {
        expiration > Self.longestRelativeExpiration ? Int(time(nil)) + expiration : max(0, expiration)
    }

    private func store(_ function: StoreFunction, wire: [UInt8], _ value: [UInt8], _ expiration: Int) throws -> memcached_return_t {
        let memc = try connection()
        let exptime = time_t(relative(expiration))
        return wire.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { k in
                // An empty array may have no storage: give libmemcached a valid pointer anyway.
                (value.isEmpty ? [0] : value).withUnsafeBufferPointer { v in
                    v.withMemoryRebound(to: CChar.self) { v in
                        function(memc, k.baseAddress, k.count, v.baseAddress, value.count, exptime, 0)
                    }
                }
            }
        }
    }

    private func increment(wire: [UInt8], by delta: UInt32) throws -> UInt64? {
        try arithmetic(memcached_increment, wire: wire, by: delta)
    }

    private typealias ArithmeticFunction = (
        UnsafeMutablePointer<memcached_st>?, UnsafePointer<CChar>?, Int, UInt32, UnsafeMutablePointer<UInt64>?
    ) -> memcached_return_t

    /// `incr` or `decr`: the new value, or nil when the key holds nothing.
    private func arithmetic(_ function: ArithmeticFunction, wire: [UInt8], by delta: UInt32) throws -> UInt64? {
        let memc = try connection()
        var value: UInt64 = 0
        let rc = wire.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { function(memc, $0.baseAddress, $0.count, delta, &value) }
        }
        if rc == MEMCACHED_NOTFOUND { return nil }
        guard rc == MEMCACHED_SUCCESS else { throw failure(rc, wire) }
        return value
    }
}
