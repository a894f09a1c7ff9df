/// What went wrong talking to memcached, classified so callers can degrade instead of failing.
///
/// Misses are not errors: `get` answers `nil`, `add` and `delete` answer `false`.
public enum CacheError: Error, Equatable, CustomStringConvertible {
    /// No server could be reached for the key: refused, reset, marked dead or in its retry back-off,
    /// or no server configured. The call failed fast; serve without the cache.
    case unavailable(String)
    /// The server accepted the connection but did not answer within the poll timeout (hung,
    /// overloaded). It is put in back-off, so the next calls fail fast as `unavailable`.
    case timeout(String)
    /// The key is empty or holds a space or control character.
    case invalidKey(String)
    /// A configuration entry (server list, prefix, timeout) is invalid.
    case invalidConfiguration(String)
    /// Anything else the server or library reported (value too large, protocol error, ...).
    case other(code: Int, message: String)

    /// Whether the failure is the server's absence or slowness (count it, fail open or closed),
    /// rather than a programming or data error.
    public var isServerFailure: Bool {
        switch self {
        case .unavailable, .timeout: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .unavailable(message): return "memcached unavailable: \(message)"
        case let .timeout(message): return "memcached timed out: \(message)"
        case let .invalidKey(problem): return "invalid cache key: \(problem)"
        case let .invalidConfiguration(problem): return "invalid memcached configuration: \(problem)"
        case let .other(code, message): return "memcached error \(code): \(message)"
        }
    }
}
