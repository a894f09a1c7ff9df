import HTTPTypes

/// The header fields this API uses that `HTTPTypes` does not name.
extension HTTPField.Name {
    /// What a request's `Host` field is received as (HTTPTypes makes `.host` unavailable: it
    /// would have it read from `HTTPRequest.authority`).
    static let hostField = Self("Host")!
    static let link = Self("Link")!
    /// Never a header of ours: nginx's configuration passes it empty (httpoxy).
    static let proxy = Self("Proxy")!
    static let xCache = Self("X-Cache")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRateLimitLimit = Self("X-RateLimit-Limit")!
    static let xRateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let xRateLimitReset = Self("X-RateLimit-Reset")!
    static let xRequestID = Self("X-Request-Id")!
    static let xTotalCount = Self("X-Total-Count")!
}
