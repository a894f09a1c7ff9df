import Cache

/// `@limiter.limit`: counts the request against its route's limits before anything else runs.
/// Counters live in memcached, so every process and host shares them. When memcached cannot be
/// reached the request is served unlimited (fail open) unless `RATELIMIT_FAIL_CLOSED=true`.
enum RateLimitGuard {
    static let limiter = FixedWindowRateLimiter(keyPrefix: "limiter")

    /// The `X-RateLimit-*` headers for the answer; throws the `429` (or, failing closed, `503`).
    static func check(_ route: Route, _ request: Request, _ context: Context) throws(ProblemError) -> HTTPHeaders {
        let settings = context.configuration.rateLimits
        let limits = settings.limits(for: route.limit)
        guard settings.enabled, !limits.isEmpty else { return HTTPHeaders() }
        let client = ClientAddress.resolve(remoteAddress: request.remoteAddress, forwardedFor: request.headers["X-Forwarded-For"],
                                           trustedProxies: settings.trustedProxies)
        guard let store = context.counters else {
            return try storeUnavailable(.unavailable("MEMCACHED_SERVERS is not set"), settings, context)
        }
        let decision = limiter.hit(store, client: client, scope: route.name, limits: limits)
        if case let .storeUnavailable(error) = decision.outcome {
            return try storeUnavailable(error, settings, context)
        }

        var headers = HTTPHeaders()
        headers.set("X-RateLimit-Limit", String(decision.limit.amount))
        headers.set("X-RateLimit-Remaining", String(decision.remaining))
        headers.set("X-RateLimit-Reset", String(decision.resetAt))
        if decision.outcome == .denied {
            AppMetrics.rateLimitRejections.increment()
            headers.set("Retry-After", String(decision.retryAfter))
            throw ProblemError(.tooManyRequests, detail: "Rate limit exceeded: \(decision.limit); try again in \(decision.retryAfter) seconds",
                               headers: headers)
        }
        return headers
    }

    /// Counted (metric, throttled warning), then let through, or refused when failing closed.
    private static func storeUnavailable(_ error: CacheError, _ settings: Configuration.RateLimitSettings,
                                         _ context: Context) throws(ProblemError) -> HTTPHeaders {
        AppMetrics.rateLimitStoreFailures.increment()
        context.cacheCoordinator.warnUnavailable(error, doing: "count rate limits (failing \(settings.failClosed ? "closed" : "open"))")
        guard settings.failClosed else { return HTTPHeaders() }
        var headers = HTTPHeaders()
        headers.set("Retry-After", "5")
        throw ProblemError(.serviceUnavailable, detail: "The rate limiter is unavailable; try again shortly", headers: headers)
    }
}
