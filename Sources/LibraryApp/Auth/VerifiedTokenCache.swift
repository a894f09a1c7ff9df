import Security

/// Tokens this worker thread has verified, by the exact `Authorization` value they came in
/// (scheme and signature included), so that the next request with the same value skips the
/// parsing, the signature and the JSON: a client sends its token with every request. Only the
/// proof is cached: whether the token was revoked or its user changed is still checked on every
/// request (`BearerAuthenticator.authenticate`). A hit counts only before the token's `exp`
/// (rounded down); past it, the token is verified anew (and refused). Per thread, so no lock;
/// bounded, emptied when full.
///
/// Only ASCII values are looked up or kept: `String` equality is canonical equivalence, under
/// which other bytes may equal a remembered value (U+212A KELVIN SIGN equals `K`); for ASCII it
/// is byte equality. A real token is ASCII (base64url), so its requests always find it.
struct VerifiedTokenCache {
    static let capacity = 1024
    /// Each token's claims, with the key of its cached token check (`AuthCache.entryKey`),
    /// made once per token rather than per request.
    private var claims: [String: (claims: JWTClaims, checkKey: String)] = [:]

    mutating func lookUp(_ authorization: String, now: Int64) -> (claims: JWTClaims, checkKey: String)? {
        guard Self.isASCII(authorization), let found = claims[authorization] else { return nil }
        guard now < found.claims.exp else {
            claims[authorization] = nil
            return nil
        }
        return found
    }

    mutating func remember(_ authorization: String, _ verified: JWTClaims, checkKey: String) {
        guard Self.isASCII(authorization) else { return }
        if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
        claims[authorization] = (verified, checkKey)
    }

    private static func isASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 }
    }
}
