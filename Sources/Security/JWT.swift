/// JSON Web Tokens signed with HS256 (RFC 7519), verified the RFC 8725 way: the algorithm is
/// fixed here and never taken from the token, the signature is checked in constant time before
/// any claim is read, and `exp` is mandatory.
public struct JWTSigner: Sendable {
    /// RFC 8725 §3.5 / RFC 7518 §3.2: an HS256 key should have at least 256 bits.
    /// Configuration refuses a shorter `SECRET_KEY`; should one get here anyway (an empty key
    /// can be computed by anyone), `verify` refuses every token rather than trust it.
    public static let minimumSecretLength = 32
    /// Longer input is refused before any decoding work (our tokens are ~250 bytes).
    public static let maximumTokenLength = 8192

    /// `{"alg":"HS256","typ":"JWT"}`, encoded once.
    private static let encodedHeader = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    private let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    public func sign(claims: JWTClaims) -> String {
        let signingInput = Self.encodedHeader + "." + Base64URL.encode(claims.json())
        let signature = HMACSHA256.authenticate(Array(signingInput.utf8), key: secret)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The claims of a valid token. `leeway` (seconds, negative counts as 0) absorbs clock
    /// skew for `exp`, `nbf` and `iat`.
    public func verify(
        token: String, now: Int64 = JWTClaims.currentTime(),
        leeway: Int64 = 0
    ) throws(JWTError) -> JWTClaims {
        // 1. Shape: exactly three non-empty canonical base64url parts.
        guard token.utf8.count <= Self.maximumTokenLength else { throw .malformed }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }),
            let payloadBytes = Base64URL.decode(Substring(parts[1])),
            let signature = Base64URL.decode(Substring(parts[2]))
        else { throw .malformed }

        // 2. Header: we only ever accept HS256; the token does not get to choose. The header we
        // issue ourselves is recognised as it is, without decoding it again.
        if !parts[0].elementsEqual(Self.encodedHeader.utf8) {
            guard let headerBytes = Base64URL.decode(Substring(parts[0])), let header = JOSEHeader(json: headerBytes) else {
                throw .malformed
            }
            guard header.alg == "HS256" else { throw .unsupportedAlgorithm }
            if let typ = header.typ, typ != "JWT" { throw .malformed }
            // RFC 7515 §4.1.11: critical extensions we do not implement must be refused.
            if header.hasCrit { throw .malformed }
        }

        // 3. Signature over the parts exactly as received, before trusting the payload.
        guard secret.count >= Self.minimumSecretLength else { throw .badSignature }
        let signingInput = Array(token.utf8[..<parts[1].endIndex])
        let expected = HMACSHA256.authenticate(signingInput, key: secret)
        guard constantTimeEquals(signature, expected) else { throw .badSignature }

        // 4. Claims.
        guard let payload = RawClaims(json: payloadBytes) else { throw .malformed }
        guard let exp = try Self.time(payload.exp) else { throw .missingClaim("exp") }
        let nbf = try Self.time(payload.nbf)
        let iat = try Self.time(payload.iat)
        let sub = try Self.text(payload.sub, "sub")
        let role = try Self.text(payload.role, "role")
        let jti = try Self.text(payload.jti, "jti")

        let now = Double(now)
        let leeway = Double(max(0, leeway))
        guard now < exp + leeway else { throw .expired }
        if let nbf, nbf > now + leeway { throw .notYetValid }
        if let iat, iat > now + leeway { throw .notYetValid }

        return JWTClaims(
            sub: sub, role: role, iat: iat.map(Self.seconds), exp: Self.seconds(exp),
            nbf: nbf.map(Self.seconds), jti: jti, sessionVersion: payload.sessionVersion)
    }

    /// A NumericDate (RFC 7519 §2). Beyond ±10^12 s (year ~33000) it is refused as
    /// malformed, which also keeps the Int64 conversion safe.
    private static func time(_ v: Double?) throws(JWTError) -> Double? {
        guard let v else { return nil }
        guard v.isFinite, abs(v) <= 1e12 else { throw .malformed }
        return v
    }

    /// A required string claim; empty counts as missing.
    private static func text(_ v: String?, _ name: String) throws(JWTError) -> String {
        guard let v, !v.isEmpty else { throw .missingClaim(name) }
        return v
    }

    private static func seconds(_ v: Double) -> Int64 {
        Int64(v.rounded(.down))
    }
}
