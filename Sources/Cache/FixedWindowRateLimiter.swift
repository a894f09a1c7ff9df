#if canImport(Glibc)
    import Basics
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

/// One limit's counter for one hit: the key it is counted under (its window's) and when that
/// window ends.
public struct RateLimitCounter: Sendable, Equatable {
    public let limit: RateLimit
    public let key: String
    /// Unix time the window ends (`X-RateLimit-Reset`).
    public let resetAt: Int
    /// Seconds the key must live when a hit creates it: the rest of the window, and one more
    /// second (memcached's clock ticks in whole seconds).
    public let expiration: Int
}

/// Flask-Limiter's fixed window: each limit counts hits in windows aligned to multiples of its
/// length since the epoch (a `1 per hour` window runs from hh:00 to hh+1:00); the window start is
/// part of the counter key, so a new window is a new key and needs no reset.
///
/// A hit is counted, then decided from the count: `counters` names the keys, the caller counts
/// them (`hit` does it with `incrementCounter`, one round trip per limit; the app sends the
/// increments ahead of its other reads and reads the counts with them), and `decide` judges.
public struct FixedWindowRateLimiter: Sendable {
    public let keyPrefix: String

    public init(keyPrefix: String = "LIMITER") {
        self.keyPrefix = keyPrefix
    }

    /// The counters a hit by `client` (its address) on `scope` (a route, or "global") counts
    /// on, one per limit, at Unix time `now`.
    public func counters(client: String, scope: String, limits: [RateLimit], now: Int) -> [RateLimitCounter] {
        // The request path builds these for every request: each key written byte by byte into
        // one string of the most it can take (every byte of client and scope escaped).
        limits.map { limit in
            let start = now - now % limit.windowSeconds
            let resetAt = start + limit.windowSeconds
            let capacity =
                keyPrefix.utf8.count + 3 * (client.utf8.count + scope.utf8.count) + limit.granularity.rawValue.utf8.count + 3 * 20 + 6
            let key = String(unsafeUninitializedCapacity: capacity) { buffer in
                var key = KeyWriter(buffer: buffer)
                key.put(keyPrefix)
                key.put(UInt8(ascii: "/"))
                key.put(client, escaping: true)
                key.put(UInt8(ascii: "/"))
                key.put(scope, escaping: true)
                key.put(UInt8(ascii: "/"))
                key.put(limit.amount)
                key.put(UInt8(ascii: "/"))
                key.put(limit.multiples)
                key.put(UInt8(ascii: "/"))
                key.put(limit.granularity.rawValue)
                key.put(UInt8(ascii: "/"))
                key.put(start)
                return key.count
            }
            return RateLimitCounter(limit: limit, key: key, resetAt: resetAt, expiration: resetAt - now + 1)
        }
    }

    /// Counts one hit by `client` on `scope` against every limit in `limits` (not empty), at
    /// Unix time `now`.
    public func hit(
        _ store: some CounterStore, client: String, scope: String, limits: [RateLimit], now: Int? = nil
    ) -> RateLimitDecision {
        precondition(!limits.isEmpty, "no limits to apply")
        let now = now ?? Int(time(nil))
        let counters = counters(client: client, scope: scope, limits: limits, now: now)
        var counts: [UInt64] = []
        for counter in counters {
            do {
                counts.append(try store.incrementCounter(counter.key, expiration: counter.expiration))
            } catch {
                return Self.unavailable(error as? CacheError ?? .other(code: -1, message: "\(error)"), counters, now: now)
            }
        }
        return Self.decide(counters, counts: counts, now: now)
    }

    /// The decision once every counter holds this hit: `counts[i]` is counter i's count, this
    /// hit included (a count read after the hit was added may also hold hits that came after
    /// it: such a hit is refused a little early, never let through beyond the limit).
    public static func decide(_ counters: [RateLimitCounter], counts: [UInt64], now: Int) -> RateLimitDecision {
        precondition(!counters.isEmpty && counters.count == counts.count, "one count per counter")
        var mostRestrictive: RateLimitDecision?
        for (counter, count) in zip(counters, counts) {
            let decision = Self.decision(counter, count: count, now: now)
            mostRestrictive = mostRestrictive.map { stricter(decision, $0) } ?? decision
        }
        return mostRestrictive!
    }

    /// One counter's decision from its count, this hit included (see `decide`).
    public static func decision(_ counter: RateLimitCounter, count: UInt64, now: Int) -> RateLimitDecision {
        let limit = counter.limit
        let denied = count > UInt64(limit.amount)
        return RateLimitDecision(
            outcome: denied ? .denied : .allowed, limit: limit,
            remaining: denied ? 0 : limit.amount - Int(count), resetAt: counter.resetAt,
            retryAfter: denied ? max(1, counter.resetAt - now) : 0)
    }

    /// Of one counter's `decision` and the decision of the counters before it, the one `decide`
    /// keeps: `decision` only when it is more restrictive. Folding counters one by one with this
    /// is `decide`, without an array of counts.
    public static func stricter(_ decision: RateLimitDecision, _ before: RateLimitDecision) -> RateLimitDecision {
        isMoreRestrictive(decision, than: before) ? decision : before
    }

    /// The decision when the counters could not be counted: the numbers of an unused window.
    public static func unavailable(_ error: CacheError, _ counters: [RateLimitCounter], now: Int) -> RateLimitDecision {
        RateLimitDecision(
            outcome: .storeUnavailable(error), limit: counters[0].limit,
            remaining: counters[0].limit.amount, resetAt: counters[0].resetAt, retryAfter: 0)
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

    /// A counter key written into its string's uninitialised storage: no intermediate strings
    /// (no `String(Int)`), each part's bytes read contiguously, not through the view's iterator.
    private struct KeyWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func put(_ byte: UInt8) {
            buffer[count] = byte
            count += 1
        }

        mutating func put(_ text: String, escaping: Bool = false) {
            var text = text
            text.withUTF8 { bytes in
                for byte in bytes {
                    if escaping, FixedWindowRateLimiter.needsEscape(byte) {
                        put(UInt8(ascii: "%"))
                        put(Hex.digit(byte >> 4, uppercase: true))
                        put(Hex.digit(byte, uppercase: true))
                    } else {
                        put(byte)
                    }
                }
            }
        }

        /// The digits `String(number)` spells.
        mutating func put(_ number: Int) {
            if number < 0 { put(UInt8(ascii: "-")) }
            var digits = 1, rest = number.magnitude
            while rest >= 10 {
                rest /= 10
                digits += 1
            }
            rest = number.magnitude
            for offset in stride(from: digits - 1, through: 0, by: -1) {
                buffer[count + offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            }
            count += digits
        }
    }

    /// Percent-encodes what a memcached key cannot hold (spaces, controls) and `%` and `/`, so
    /// the parts of the key stay apart.
    static func escaped(_ part: String) -> String {
        var out: [UInt8] = []
        for byte in part.utf8 {
            if needsEscape(byte) {
                out.append(UInt8(ascii: "%"))
                Hex.append(byte, to: &out, uppercase: true)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    fileprivate static func needsEscape(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "/")
    }
}
