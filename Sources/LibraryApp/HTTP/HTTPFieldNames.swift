import HTTPTypes

/// The header fields this API uses that `HTTPTypes` does not name.
extension HTTPField.Name {
    static let link = Self("Link")!
    static let xCache = Self("X-Cache")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRateLimitLimit = Self("X-RateLimit-Limit")!
    static let xRateLimitRemaining = Self("X-RateLimit-Remaining")!
    static let xRateLimitReset = Self("X-RateLimit-Reset")!
    static let xRequestID = Self("X-Request-Id")!
    static let xTotalCount = Self("X-Total-Count")!
}
