#if canImport(Glibc)
import Glibc
#endif

/// What `FixedWindowRateLimiter.hit` decided, and the numbers for the `X-RateLimit-*` headers.
public struct RateLimitDecision: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case allowed
        case denied
        /// The counter store failed: the hit was not counted. The caller counts it and applies
        /// its policy (`isAllowed(failClosed:)`); the numbers below are those of an unused window.
        case storeUnavailable(CacheError)
    }

    public let outcome: Outcome
    /// The limit the numbers describe: the one that denied, else the one with the fewest hits left.
    public let limit: RateLimit
    public let remaining: Int
    /// Unix time the window of `limit` ends (`X-RateLimit-Reset`).
    public let resetAt: Int
    /// Seconds until `resetAt` (`Retry-After`) when denied, at least 1; otherwise 0.
    public let retryAfter: Int

    /// Whether to serve the request; `failClosed` decides when the store is unavailable.
    public func isAllowed(failClosed: Bool) -> Bool {
        switch outcome {
        case .allowed: return true
        case .denied: return false
        case .storeUnavailable: return !failClosed
        }
    }
}

/// Flask-Limiter's fixed window: each limit counts hits in windows aligned to multiples of its
/// length since the epoch (a `1 per hour` window runs from hh:00 to hh+1:00); the window start is
/// part of the counter key, so a new window is a new key and needs no reset.
public struct FixedWindowRateLimiter: Sendable {
    public let keyPrefix: String

    public init(keyPrefix: String = "LIMITER") {
        self.keyPrefix = keyPrefix
    }

    /// Counts one hit by `client` (its address) on `scope` (a route, or "global") against every
    /// limit in `limits` (not empty), at Unix time `now`.
    public func hit(
        _ store: some CounterStore, client: String, scope: String, limits: [RateLimit], now: Int? = nil
    ) -> RateLimitDecision {
        precondition(!limits.isEmpty, "no limits to apply")
        let now = now ?? Int(time(nil))
        var mostRestrictive: RateLimitDecision?
        for limit in limits {
            let start = now - now % limit.windowSeconds
            let resetAt = start + limit.windowSeconds
            let key = [keyPrefix, Self.escaped(client), Self.escaped(scope), "\(limit.amount)", "\(limit.multiples)",
                       limit.granularity.rawValue, "\(start)"].joined(separator: "/")
            let count: UInt64
            do {
                // One second more than the window: memcached's clock ticks in whole seconds.
                count = try store.incrementCounter(key, expiration: resetAt - now + 1)
            } catch {
                let cacheError = error as? CacheError ?? .other(code: -1, message: "\(error)")
                return RateLimitDecision(outcome: .storeUnavailable(cacheError), limit: limits[0],
                                         remaining: limits[0].amount, resetAt: resetAt, retryAfter: 0)
            }
            let denied = count > UInt64(limit.amount)
            let decision = RateLimitDecision(
                outcome: denied ? .denied : .allowed, limit: limit,
                remaining: denied ? 0 : limit.amount - Int(count), resetAt: resetAt,
                retryAfter: denied ? max(1, resetAt - now) : 0)
            if mostRestrictive.map({ Self.isMoreRestrictive(decision, than: $0) }) ?? true {
                mostRestrictive = decision
            }
        }
        return mostRestrictive!
    }

    /// A denial beats an allowance, a later reset beats an earlier one among denials (the client
    /// must wait for it), fewer hits left beats more among allowances.
    private static func isMoreRestrictive(_ a: RateLimitDecision, than b: RateLimitDecision) -> Bool {
        switch (a.outcome, b.outcome) {
        case (.denied, .denied): return a.resetAt > b.resetAt
        case (.denied, _): return true
        case (_, .denied): return false
        default: return a.remaining < b.remaining || (a.remaining == b.remaining && a.resetAt > b.resetAt)
        }
    }

    /// Percent-encodes what a memcached key cannot hold (spaces, controls) and `%` and `/`, so
    /// the parts of the key stay apart.
    static func escaped(_ part: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in part.utf8 {
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "/") {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
