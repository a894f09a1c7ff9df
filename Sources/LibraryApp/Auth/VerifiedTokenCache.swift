import Basics
import Security

/// Tokens this worker thread has verified, by the exact bytes of the `Authorization` value they
/// came in (scheme and signature included), so that the next request with the same value skips
/// the parsing, the signature and the JSON: a client sends its token with every request. Only
/// the proof is cached: whether the token was revoked or its user changed is still checked on
/// every request (`BearerAuthenticator.authenticate`). A hit counts only before the token's
/// `exp` (rounded down); past it, the token is verified anew (and refused). Per thread, so no
/// lock; bounded, emptied when full.
struct VerifiedTokenCache {
    static let capacity = 1024
    /// Each token's claims, with the keys of its cached token check, made once per token
    /// rather than per request.
    private var tokens: [ExactBytes: BearerAuthenticator.VerifiedToken] = [:]

    mutating func lookUp(_ authorization: String, now: Int64) -> BearerAuthenticator.VerifiedToken? {
        let key = ExactBytes(authorization)
        guard let found = tokens[key] else { return nil }
        guard now < found.claims.exp else {
            tokens[key] = nil
            return nil
        }
        return found
    }

    mutating func remember(_ authorization: String, _ verified: BearerAuthenticator.VerifiedToken) {
        if tokens.count >= Self.capacity { tokens.removeAll(keepingCapacity: true) }
        tokens[ExactBytes(authorization)] = verified
    }

    /// A text compared and hashed by its UTF-8 bytes. `String`'s own equality is canonical
    /// equivalence, under which other bytes may be equal (U+212A KELVIN SIGN equals `K`): a
    /// remembered value must be the very bytes that verified (`hasSameUTF8`: one `memcmp`).
    private struct ExactBytes: Hashable {
        var text: String

        init(_ text: String) { self.text = text }

        static func == (left: Self, right: Self) -> Bool {
            left.text.hasSameUTF8(as: right.text)
        }

        func hash(into hasher: inout Hasher) {
            var text = text
            text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }
}
