import Database
import Foundation
import Security

/// The `token_required` decorator: reads `Authorization: Bearer <token>`, verifies it (HS256
/// only, `exp` required, signature first), then makes sure the user still exists and the token
/// was not revoked by a logout: from the token-check cache when it holds a current answer,
/// else from the database.
struct BearerAuthenticator {
    static let challenge = "Bearer"
    static let invalidTokenChallenge = #"Bearer error="invalid_token""#

    /// The caller, and the cache values read on the way: `alsoRead` keys ride along in the
    /// same round trip as the token check's own.
    static func authenticate(_ request: Request, context: Context, alsoRead: [String] = []) throws -> (Principal, CacheReads) {
        guard let token = bearerToken(in: request.headers["Authorization"]) else {
            throw unauthorized("Token is missing", challenge: challenge)
        }
        let claims: JWTClaims
        do {
            claims = try context.tokens.verify(token: token, leeway: context.configuration.tokenLeewaySeconds)
        } catch .expired {
            throw invalidToken("Token has expired")
        } catch {
            throw invalidToken("Token is invalid")
        }
        guard let userID = PathPattern.positiveID(claims.sub) else { throw invalidToken("Token is invalid") }

        // The cached answer of an earlier check of this token, else the database (then cached).
        let reads = CacheReads.fetch(AuthCache.keys(tokenID: claims.jti, userID: userID) + alsoRead, context: context)
        if let user = AuthCache.user(in: reads, tokenID: claims.jti, userID: userID) {
            return (Principal(user: user, tokenID: claims.jti, tokenExpiresAt: claims.exp), reads)
        }
        // The generation the answer will be stamped with is fixed before the database is asked.
        let authCache = reads.answered ? context.cache.map { AuthCache(client: $0) } : nil
        let generation = try? authCache?.stamp(of: userID, read: reads)
        let store = UserStore(database: try context.database())
        guard let (user, revoked) = try store.findForToken(userID: userID, tokenID: claims.jti,
                                                           sessionVersion: claims.sessionVersion ?? 0) else {
            throw invalidToken("The user of this token no longer exists")
        }
        guard !revoked else { throw invalidToken("Token has been revoked") }
        if let authCache, let generation = generation ?? nil {
            try? authCache.remember(user, generation: generation, tokenID: claims.jti, tokenExpiresAt: claims.exp)
        }
        return (Principal(user: user, tokenID: claims.jti, tokenExpiresAt: claims.exp), reads)
    }

    /// `Bearer <token>`, the scheme case-insensitive (RFC 9110 §11.1), exactly one space-free token.
    static func bearerToken(in header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    static func unauthorized(_ detail: String, challenge: String) -> ProblemError {
        var headers = HTTPHeaders()
        headers.set("WWW-Authenticate", challenge)
        return ProblemError(.unauthorized, detail: detail, headers: headers)
    }

    static func invalidToken(_ detail: String) -> ProblemError {
        unauthorized(detail, challenge: invalidTokenChallenge)
    }
}
