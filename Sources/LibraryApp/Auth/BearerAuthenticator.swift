import Database
import Foundation
import Security
import HTTPTypes
import Storage

/// The `token_required` decorator, in two steps around the request's one memcached round trip:
/// `verify` checks the token itself, `authenticate` makes sure its user still exists and the
/// token was not revoked by a logout.
struct BearerAuthenticator {
    static let challenge = "Bearer"
    static let invalidTokenChallenge = #"Bearer error="invalid_token""#

    /// A token whose signature and claims verified; whether its user still exists and the
    /// token still stands is checked next (`authenticate`).
    /// Made once per token (and remembered, `VerifiedTokenCache`), not per request. A class:
    /// taken out of the cache on every request, with one retain instead of one per string.
    final class VerifiedToken {
        let claims: JWTClaims
        let userID: Int64
        /// The key of the token check's cached entry (`AuthCache.entryKey`).
        let checkKey: String
        /// What `authenticate` reads from the cache (fetched with the request's other reads).
        let cacheKeys: [String]

        init(claims: JWTClaims, userID: Int64) {
            self.claims = claims
            self.userID = userID
            checkKey = AuthCache.entryKey(claims.jti)
            cacheKeys = AuthCache.keys(entryKey: checkKey, userID: userID)
        }
    }

    /// Step one, no I/O: reads `Authorization: Bearer <token>` and verifies it (HS256 only,
    /// `exp` required, signature first).
    static func verify(_ request: Request, context: Context) -> Result<VerifiedToken, ProblemError> {
        func missing() -> ProblemError { unauthorized("Token is missing", challenge: challenge) }
        guard let field = request.headers.first(where: { $0.name == .authorization }) else { return .failure(missing()) }
        let header = field.value
        let now = JWTClaims.currentTime()
        // Looked up by the header's exact bytes: a value remembered held a token that verified,
        // and the same value holds the same token (its text is neither cut out nor copied again).
        if let known = context.verifiedTokens.lookUp(header, now: now) { return .success(known) }
        guard let token = bearerToken(in: header) else { return .failure(missing()) }
        let claims: JWTClaims
        do {
            claims = try context.tokens.verify(token: token, now: now, leeway: context.configuration.tokenLeewaySeconds)
        } catch .expired {
            return .failure(invalidToken("Token has expired"))
        } catch {
            return .failure(invalidToken("Token is invalid"))
        }
        guard let userID = PathPattern.positiveID(claims.sub) else { return .failure(invalidToken("Token is invalid")) }
        let verified = VerifiedToken(claims: claims, userID: userID)
        context.verifiedTokens.remember(field, verified)
        return .success(verified)
    }

    /// Step two: the user still exists and the token was not revoked by a logout — from the
    /// token-check entry in `reads` when it holds a current answer, else from the database
    /// (the answer is then cached).
    static func authenticate(_ token: VerifiedToken, reads: CacheReads, context: Context) throws -> Principal {
        let (claims, userID) = (token.claims, token.userID)
        if let user = AuthCache.user(
            in: reads, entryKey: token.checkKey, userID: userID, opened: &context.openedTokenChecks, seal: context.cacheSeal)
        {
            return Principal(user: user, tokenID: claims.jti, tokenExpiresAt: claims.exp)
        }
        // The generation the answer will be stamped with is fixed before the database is asked.
        let authCache = reads.answered ? context.cache.map { AuthCache(client: $0, seal: context.cacheSeal) } : nil
        let generation = try? authCache?.stamp(of: userID, read: reads)
        let store = try context.storage().users
        guard
            let (user, revoked) = try store.findForToken(
                userID: userID, tokenID: claims.jti,
                sessionVersion: claims.sessionVersion ?? 0)
        else {
            throw invalidToken("The user of this token no longer exists")
        }
        guard !revoked else { throw invalidToken("Token has been revoked") }
        if let authCache, let generation = generation ?? nil {
            try? authCache.remember(user, generation: generation, tokenID: claims.jti, tokenExpiresAt: claims.exp)
        }
        return Principal(user: user, tokenID: claims.jti, tokenExpiresAt: claims.exp)
    }

    /// `Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1), exactly one space-free
    /// token (spaces around it allowed). Byte by byte: it runs for every authenticated request.
    static func bearerToken(in header: String?) -> String? {
        guard var header else { return nil }
        // The header's own bytes, not a copy: only the token becomes a new String.
        return header.withUTF8 { bytes in
            var start = 0
            while start < bytes.count, bytes[start] == 0x20 { start += 1 }
            let scheme = "bearer".utf8
            guard bytes.count > start + scheme.count, bytes[start + scheme.count] == 0x20 else { return nil }
            for (offset, letter) in scheme.enumerated() where asciiLowercased(bytes[start + offset]) != letter { return nil }
            var tokenStart = start + scheme.count
            while tokenStart < bytes.count, bytes[tokenStart] == 0x20 { tokenStart += 1 }
            var tokenEnd = tokenStart
            while tokenEnd < bytes.count, bytes[tokenEnd] != 0x20 { tokenEnd += 1 }
            var rest = tokenEnd
            while rest < bytes.count, bytes[rest] == 0x20 { rest += 1 }
            guard tokenEnd > tokenStart, rest == bytes.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[tokenStart..<tokenEnd]), as: UTF8.self)
        }
    }

    static func unauthorized(_ detail: String, challenge: String) -> ProblemError {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = challenge
        return ProblemError(.unauthorized, detail: detail, headers: headers)
    }

    static func invalidToken(_ detail: String) -> ProblemError {
        unauthorized(detail, challenge: invalidTokenChallenge)
    }
}
