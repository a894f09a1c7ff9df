import Basics
import Foundation
import JSON

/// The claims this API puts in its tokens. Times are seconds since the Unix epoch.
public struct JWTClaims: Sendable, Equatable {
    /// The user id, as a string.
    public var sub: String
    /// "user" or "admin"; checked by the HTTP layer, not here.
    public var role: String
    public var iat: Int64?
    public var exp: Int64
    public var nbf: Int64?
    /// Unique token id, used to revoke the token on logout.
    public var jti: String
    /// `sv`, the user's session version when the token was issued: a password change bumps it,
    /// which ends every token issued before (a private claim, RFC 7519 §4.3).
    public var sessionVersion: Int64?

    public init(
        sub: String, role: String, iat: Int64?, exp: Int64, nbf: Int64? = nil,
        jti: String = JWTClaims.newTokenID(), sessionVersion: Int64? = nil
    ) {
        self.sub = sub
        self.role = role
        self.iat = iat
        self.exp = exp
        self.nbf = nbf
        self.jti = jti
        self.sessionVersion = sessionVersion
    }

    /// Claims for a token issued `now` that lives `lifetime` seconds (API default: one hour).
    public static func issue(
        sub: String, role: String, now: Int64 = JWTClaims.currentTime(),
        lifetime: Int64 = 3600, sessionVersion: Int64? = nil
    ) -> JWTClaims {
        JWTClaims(sub: sub, role: role, iat: now, exp: now + lifetime, sessionVersion: sessionVersion)
    }

    /// 128 random bits as 32 lowercase hex digits.
    public static func newTokenID() -> String {
        Hex.string(SecureRandom.bytes(16))
    }

    public static func currentTime() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    /// The payload JSON, with keys in a fixed order.
    func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 160)
        writer.object { claims in
            claims.key("sub"); claims.string(sub)
            claims.key("role"); claims.string(role)
            if let iat { claims.key("iat"); claims.integer(iat) }
            claims.key("exp"); claims.integer(exp)
            if let nbf { claims.key("nbf"); claims.integer(nbf) }
            claims.key("jti"); claims.string(jti)
            if let sessionVersion { claims.key("sv"); claims.integer(sessionVersion) }
        }
        return writer.bytes
    }
}
