import CMemcached

/// Maps libmemcached return codes onto `CacheError`.
enum ReturnCode {
    /// Codes that mean "the server is not there": connect, read or write failed, or the server is
    /// in its back-off or ejected. All of these come back fast.
    private static let unavailable: Set<UInt32> = [
        MEMCACHED_HOST_LOOKUP_FAILURE, MEMCACHED_CONNECTION_FAILURE, MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE,
        MEMCACHED_WRITE_FAILURE, MEMCACHED_READ_FAILURE, MEMCACHED_UNKNOWN_READ_FAILURE, MEMCACHED_ERRNO,
        MEMCACHED_FAIL_UNIX_SOCKET, MEMCACHED_NO_SERVERS, MEMCACHED_SERVER_MARKED_DEAD,
        MEMCACHED_SERVER_TEMPORARILY_DISABLED, MEMCACHED_IN_PROGRESS, MEMCACHED_PARTIAL_READ,
        MEMCACHED_SOME_ERRORS,
    ].map(\.rawValue).reduce(into: []) { $0.insert($1) }

    static func error(_ rc: memcached_return_t, _ handle: UnsafeMutablePointer<memcached_st>?) -> CacheError {
        let message = String(cString: memcached_strerror(handle, rc))
        if rc == MEMCACHED_TIMEOUT { return .timeout(message) }
        if unavailable.contains(rc.rawValue) { return .unavailable(message) }
        return .other(code: Int(rc.rawValue), message: message)
    }
}
