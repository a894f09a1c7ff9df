import CMemcached

/// Creating and configuring a `memcached_st`: servers, timeouts, back-off, ketama.
enum MemcachedHandle {
    static func make(_ configuration: MemcachedConfiguration) throws -> UnsafeMutablePointer<memcached_st> {
        try configuration.validate()
        guard let handle = memcached_create(nil) else { throw CacheError.other(code: -1, message: "memcached_create failed") }
        do {
            try configure(handle, configuration)
            return handle
        } catch {
            memcached_free(handle)
            throw error
        }
    }

    private static func configure(_ handle: UnsafeMutablePointer<memcached_st>, _ configuration: MemcachedConfiguration) throws {
        let behaviors: [(memcached_behavior_t, UInt64)] = [
            // Ketama (MD5, 160 points per server, weighted): adding or losing a server moves only
            // its share of the keys, and other ketama clients agree on where keys live.
            (MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1),
            (MEMCACHED_BEHAVIOR_TCP_NODELAY, 1),
            // The text protocol: binary is deprecated since memcached 1.6.
            (MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 0),
            (MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, UInt64(configuration.connectTimeoutMilliseconds)),
            (MEMCACHED_BEHAVIOR_POLL_TIMEOUT, UInt64(configuration.pollTimeoutMilliseconds)),
            (MEMCACHED_BEHAVIOR_SND_TIMEOUT, UInt64(configuration.socketTimeoutMilliseconds) * 1000),  // microseconds
            (MEMCACHED_BEHAVIOR_RCV_TIMEOUT, UInt64(configuration.socketTimeoutMilliseconds) * 1000),
            (MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, UInt64(configuration.retryTimeoutSeconds)),
            // Without DEAD_TIMEOUT an ejected server is never connected to again.
            (MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, UInt64(configuration.retryTimeoutSeconds)),
            (MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, UInt64(configuration.serverFailureLimit)),
            (MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, configuration.removeFailedServers ? 1 : 0),
        ]
        for (behavior, value) in behaviors {
            let rc = memcached_behavior_set(handle, behavior, value)
            guard rc == MEMCACHED_SUCCESS else { throw ReturnCode.error(rc, handle) }
        }
        for server in configuration.servers {
            let rc: memcached_return_t
            switch server {
            case let .tcp(host, port): rc = memcached_server_add(handle, host, in_port_t(port))
            case let .unixSocket(path): rc = memcached_server_add_unix_socket(handle, path)
            }
            guard rc == MEMCACHED_SUCCESS else {
                throw CacheError.invalidConfiguration("cannot add server \(server): \(ReturnCode.error(rc, handle))")
            }
        }
    }
}
