import Foundation

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

    public init(sub: String, role: String, iat: Int64?, exp: Int64, nbf: Int64? = nil,
                jti: String = JWTClaims.newTokenID()) {
        self.sub = sub
        self.role = role
        self.iat = iat
        self.exp = exp
        self.nbf = nbf
        self.jti = jti
    }

    /// Claims for a token issued `now` that lives `lifetime` seconds (API default: one hour).
    public static func issue(sub: String, role: String, now: Int64 = JWTClaims.currentTime(),
                             lifetime: Int64 = 3600) -> JWTClaims {
        JWTClaims(sub: sub, role: role, iat: now, exp: now + lifetime)
    }

    /// 128 random bits as 32 lowercase hex digits.
    public static func newTokenID() -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in SecureRandom.bytes(16) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func currentTime() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    /// The payload JSON, with keys in a fixed order.
    func json() -> [UInt8] {
        var fields = [("sub", jsonString(sub)), ("role", jsonString(role))]
        if let iat { fields.append(("iat", String(iat))) }
        fields.append(("exp", String(exp)))
        if let nbf { fields.append(("nbf", String(nbf))) }
        fields.append(("jti", jsonString(jti)))
        let body = fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        return Array("{\(body)}".utf8)
    }
}

/// A JSON string literal. JSONEncoder is overkill for three short strings, and this keeps
/// escaping explicit: quote, backslash and control characters; everything else verbatim.
func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
