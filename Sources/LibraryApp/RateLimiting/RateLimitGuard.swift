import Basics
import Cache
import Glibc
import HTTPTypes

/// `@limiter.limit`: counts the request against its route's limits before anything else runs.
/// Counters live in memcached, so every process and host shares them. The hits are sent ahead
/// of the request's other memcached reads and their counts come back with them (`CacheReads`):
/// limiting costs no round trip of its own. When memcached cannot be reached the request is
/// served unlimited (fail open) unless `RATELIMIT_FAIL_CLOSED=true`.
enum RateLimitGuard {
    static let limiter = FixedWindowRateLimiter(keyPrefix: "limiter")

    /// The counters this request counts on: none when limits are off or the route is exempt.
    static func counters(_ route: Route, _ request: Request, _ context: Context, now: Int) -> [RateLimitCounter] {
        let settings = context.configuration.rateLimits
        let limits = settings.limits(for: route.limit)
        guard settings.enabled, !limits.isEmpty else { return [] }
        let client = ClientAddress.resolve(
            remoteAddress: request.remoteAddress, forwardedFor: request.headers[.xForwardedFor],
            trustedProxies: settings.trustedProxies)
        return limiter.counters(client: client, scope: route.name, limits: limits, now: now)
    }

    /// The decision whose numbers the answer's `X-RateLimit-*` headers carry (`appendHeaders`),
    /// from the counts read with the request's other reads; nil when nothing was counted (limits
    /// off, or the store failed and the request goes through unlimited); throws the `429` (or,
    /// failing closed, `503`). A counter missing there is the
    /// first hit of its window (the quiet increment found no key): it is created here. So is a
    /// count of exactly 1: keys start at 1, so a 1 read after our increment means the increment
    /// found no key and another client created it since — this hit is not in it yet.
    static func check(
        _ counters: [RateLimitCounter], counted: CounterReads, _ context: Context,
        now: Int
    ) throws(ProblemError) -> RateLimitDecision? {
        guard !counters.isEmpty else { return nil }
        let decision: RateLimitDecision
        switch counted {
        case let .failed(error):
            decision = FixedWindowRateLimiter.unavailable(error, counters, now: now)
        case let .read(values):
            // `FixedWindowRateLimiter.decide`, folded counter by counter: no array of counts.
            var stricter: RateLimitDecision?
            var failure: CacheError?
            for counter in counters {
                let count: UInt64
                if let read = values[counter.key].flatMap(decimal), read > 1 {
                    count = read
                } else if let store = context.counters {
                    do {
                        count = try store.incrementCounter(counter.key, expiration: counter.expiration)
                    } catch {
                        failure = error as? CacheError ?? .other(code: -1, message: "\(error)")
                        break
                    }
                } else {
                    failure = .unavailable("MEMCACHED_SERVERS is not set")
                    break
                }
                let decision = FixedWindowRateLimiter.decision(counter, count: count, now: now)
                stricter = stricter.map { FixedWindowRateLimiter.stricter(decision, $0) } ?? decision
            }
            decision = failure.map { FixedWindowRateLimiter.unavailable($0, counters, now: now) } ?? stricter!
        }
        if case let .storeUnavailable(error) = decision.outcome {
            _ = try storeUnavailable(error, context.configuration.rateLimits, context)
            return nil
        }
        if decision.outcome == .denied {
            AppMetrics.rateLimitRejections.increment()
            var headers = HTTPFields()
            headers.reserveCapacity(4)
            appendHeaders(of: decision, to: &headers)
            headers.append(HTTPField(name: .retryAfter, value: String(decision.retryAfter)))
            throw ProblemError(
                .tooManyRequests, detail: "Rate limit exceeded: \(decision.limit); try again in \(decision.retryAfter) seconds",
                headers: headers)
        }
        return decision
    }

    /// `X-RateLimit-Limit`, `-Remaining` and `-Reset`, appended (no handler writes these names,
    /// and a set would scan the list for each), straight into the answer's list: no list of
    /// their own made, copied and freed per request.
    static func appendHeaders(of decision: RateLimitDecision, to headers: inout HTTPFields) {
        headers.append(HTTPField(name: .xRateLimitLimit, value: DecimalDigits.string(decision.limit.amount)))
        headers.append(HTTPField(name: .xRateLimitRemaining, value: DecimalDigits.string(decision.remaining)))
        headers.append(HTTPField(name: .xRateLimitReset, value: DecimalDigits.string(decision.resetAt)))
    }

    /// A counter's value as memcached stores it: decimal digits (`incr` may pad with spaces).
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        for byte in bytes where byte != UInt8(ascii: " ") {
            guard byte >= 48, byte <= 57 else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(byte - 48))
            guard !overflow, !carry else { return nil }
            value = sum
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// Counted (metric, throttled warning), then let through, or refused when failing closed.
    static func storeUnavailable(
        _ error: CacheError, _ settings: Configuration.RateLimitSettings,
        _ context: Context
    ) throws(ProblemError) -> HTTPFields {
        AppMetrics.rateLimitStoreFailures.increment()
        context.cacheCoordinator.warnUnavailable(error, doing: "count rate limits (failing \(settings.failClosed ? "closed" : "open"))")
        guard settings.failClosed else { return HTTPFields() }
        var headers = HTTPFields()
        headers[.retryAfter] = "5"
        throw ProblemError(.serviceUnavailable, detail: "The rate limiter is unavailable; try again shortly", headers: headers)
    }
}
