import Basics
import Glibc
import HTTPTypes
import Security

/// Tokens this worker thread has verified, by the exact bytes of the `Authorization` value they
/// came in (scheme and signature included), so that the next request with the same value skips
/// the parsing, the signature and the JSON: a client sends its token with every request. Only
/// the proof is cached: whether the token was revoked or its user changed is still checked on
/// every request (`BearerAuthenticator.authenticate`). A hit counts only before the token's
/// `exp` (rounded down); past it, the token is verified anew (and refused). Per thread, so no
/// lock; bounded, emptied when full.
///
/// The request's `Authorization` field is remembered with it: the adapter finds it by the bytes
/// the web server passed (`field(ofValue:)`) and reuses it, so a known token's ~200 bytes are
/// neither decoded into a new string nor checked by `HTTPField` again on each request.
struct VerifiedTokenCache {
    static let capacity = 1024
    /// By `Self.hash` of the value; an entry counts only when its value holds the very bytes
    /// looked up (a different value with the same hash is a miss, and replaces it when remembered).
    private var entries: [Int: Entry] = [:]

    private struct Entry {
        /// The `Authorization` field the token came in, as the request carried it.
        let field: HTTPField
        /// The token's claims, with the keys of its cached token check, made once per token
        /// rather than per request.
        let token: BearerAuthenticator.VerifiedToken

        func holds(_ bytes: UnsafeRawBufferPointer) -> Bool {
            field.withUnsafeBytesOfValue { UnsafeRawBufferPointer($0).hasSameBytes(as: bytes) }
        }
    }

    /// The remembered `Authorization` field whose value is exactly `bytes`.
    func field(ofValue bytes: UnsafeRawBufferPointer) -> HTTPField? {
        guard let entry = entries[Self.hash(bytes)], entry.holds(bytes) else { return nil }
        return entry.field
    }

    mutating func lookUp(_ authorization: String, now: Int64) -> BearerAuthenticator.VerifiedToken? {
        var authorization = authorization
        return authorization.withUTF8 { bytes in
            let key = Self.hash(UnsafeRawBufferPointer(bytes))
            guard let found = entries[key], found.holds(UnsafeRawBufferPointer(bytes)) else { return nil }
            guard now < found.token.claims.exp else {
                entries[key] = nil
                return nil
            }
            return found.token
        }
    }

    /// `field`: the request's own `Authorization` field, whose value held the verified token.
    mutating func remember(_ field: HTTPField, _ verified: BearerAuthenticator.VerifiedToken) {
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[field.withUnsafeBytesOfValue { Self.hash(UnsafeRawBufferPointer($0)) }] = Entry(field: field, token: verified)
    }

    /// The length and the last 16 bytes, mixed with a seed drawn at start (SplitMix64's
    /// finaliser): a remembered value ends in its token's signature (43 characters for HS256),
    /// which no two tokens share, and hashing all ~200 bytes through `Hasher` cost more than the
    /// rest of the lookup. Only values that verified are remembered, so nobody can fill a
    /// bucket with chosen values; a value that merely collides is compared, and missed.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hash = seed ^ UInt64(bytes.count)
        if bytes.count >= 16 {
            hash = mix(hash ^ bytes.loadUnaligned(fromByteOffset: bytes.count - 16, as: UInt64.self))
            hash = mix(hash ^ bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
        } else {
            for byte in bytes { hash = mix(hash ^ UInt64(byte)) }
        }
        return Int(truncatingIfNeeded: hash)
    }

    private static let seed = UInt64.random(in: .min ... .max)

    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value &+ 0x9E37_79B9_7F4A_7C15
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
