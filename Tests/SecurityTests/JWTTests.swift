import Basics
import Testing
import Foundation
@testable import Security

/// Hand-built tokens: base64url of JSON written here, signed with our own HMAC helper.
private let secret = Array("0123456789abcdef0123456789abcdef".utf8)  // 256 bits
private let signer = JWTSigner(secret: secret)
private let now: Int64 = 1_700_000_000
private let hs256 = #"{"alg":"HS256","typ":"JWT"}"#
private let claims = #"{"sub":"42","role":"user","iat":1700000000,"exp":1700003600,"jti":"abc"}"#

private func b64(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

private func token(_ header: String = hs256, _ payload: String = claims, key: [UInt8] = secret) -> String {
    let input = b64(header) + "." + b64(payload)
    return input + "." + Base64URL.encode(HMACSHA256.authenticate(Array(input.utf8), key: key))
}

private func payload(exp: String = "1700003600", extra: String = "") -> String {
    #"{"sub":"42","role":"user","exp":\#(exp),"jti":"abc"\#(extra)}"#
}

private func verify(_ t: String, leeway: Int64 = 0) throws(JWTError) -> JWTClaims {
    try signer.verify(token: t, now: now, leeway: leeway)
}

@Suite struct JWTRoundTripTests {
    @Test func signThenVerify() throws {
        let issued = JWTClaims.issue(sub: "42", role: "admin", now: now)
        #expect(issued.exp == now + 3600)
        #expect(issued.iat == now)
        let t = signer.sign(claims: issued)
        #expect(try verify(t) == issued)
        #expect(try signer.verify(token: t, now: now + 3599) == issued)
        #expect(throws: JWTError.expired) { try signer.verify(token: t, now: now + 3600) }
    }

    @Test func shapeOfIssuedToken() throws {
        let t = signer.sign(claims: JWTClaims(sub: "7", role: "user", iat: now, exp: now + 60, nbf: now, jti: "j"))
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(String(decoding: try #require(Base64URL.decode(parts[0])), as: UTF8.self) == hs256)
        #expect(
            String(decoding: try #require(Base64URL.decode(parts[1])), as: UTF8.self)
                == #"{"sub":"7","role":"user","iat":1700000000,"exp":1700000060,"nbf":1700000000,"jti":"j"}"#)
        #expect(try #require(Base64URL.decode(parts[2])).count == 32)
        #expect(!t.contains("=") && !t.contains("+") && !t.contains("/"))
    }

    @Test func stringsNeedingEscapesSurvive() throws {
        let c = JWTClaims(sub: "a\"b\\c\n\u{01}/é🔑", role: "user", iat: nil, exp: now + 60)
        #expect(try verify(signer.sign(claims: c)) == c)
    }

    @Test func tokenIDsAreRandom128Bit() {
        let a = JWTClaims.newTokenID(), b = JWTClaims.newTokenID()
        #expect(a != b)
        #expect(a.count == 32 && a.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(JWTClaims.issue(sub: "1", role: "user").jti != JWTClaims.issue(sub: "1", role: "user").jti)
    }

    @Test func handBuiltTokenVerifies() throws {
        let c = try verify(token())
        #expect(c == JWTClaims(sub: "42", role: "user", iat: now, exp: now + 3600, nbf: nil, jti: "abc"))
    }

    @Test func fractionalExpIsAccepted() throws {
        #expect(try verify(token(hs256, payload(exp: "1700003600.75"))).exp == 1_700_003_600)
        #expect(try verify(token(hs256, payload(exp: "1.7000036e9"))).exp == 1_700_003_600)
    }

    @Test func typIsOptional() throws {
        #expect(try verify(token(#"{"alg":"HS256"}"#)).sub == "42")
    }

    /// RFC 7515 Appendix A.1: a foreign HS256 token (CRLF in its JSON). The signature must
    /// verify; it then fails only because it lacks our required claims.
    @Test func rfc7515ExampleSignatureVerifies() throws {
        let key = try #require(
            Base64URL.decode(
                "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))
        let t =
            "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
            + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(throws: JWTError.missingClaim("sub")) {
            try JWTSigner(secret: key).verify(token: t, now: 1_300_819_379)
        }
        #expect(throws: JWTError.badSignature) { try signer.verify(token: t, now: 1_300_819_379) }
    }

    /// A key anyone could guess (empty, or shorter than 256 bits) verifies nothing, even a
    /// token it signed itself.
    @Test func shortKeysVerifyNothing() {
        for key in [[], Array("short".utf8), Array(repeating: UInt8(ascii: "k"), count: 31)] {
            let weak = JWTSigner(secret: key)
            let forged = weak.sign(claims: JWTClaims(sub: "1", role: "admin", iat: now, exp: now + 60, nbf: nil, jti: "x"))
            #expect(throws: JWTError.badSignature) { try weak.verify(token: forged, now: now) }
        }
    }
}

/// RFC 8725 and friends: every way a token must be refused.
@Suite struct JWTRejectionTests {
    @Test func algNoneWithoutSignature() {
        let t = b64(#"{"alg":"none","typ":"JWT"}"#) + "." + b64(claims) + "."
        #expect(throws: JWTError.malformed) { try verify(t) }
    }

    @Test(arguments: ["none", "None", "NONE", "nOnE"])
    func algNoneWithSignature(_ alg: String) {
        // Even signed with our real key, `none` is refused: the header picks nothing.
        #expect(throws: JWTError.unsupportedAlgorithm) { try verify(token(#"{"alg":"\#(alg)","typ":"JWT"}"#)) }
    }

    @Test(arguments: [
        #"{"alg":"HS512","typ":"JWT"}"#,
        #"{"alg":"HS384","typ":"JWT"}"#,
        #"{"alg":"RS256","typ":"JWT"}"#,
        #"{"alg":"ES256","typ":"JWT"}"#,
        #"{"alg":"hs256","typ":"JWT"}"#,
        #"{"alg":"HS256 ","typ":"JWT"}"#,
        #"{"alg":null,"typ":"JWT"}"#,
        #"{"typ":"JWT"}"#,
        #"{}"#,
    ])
    func otherAlgorithms(_ header: String) {
        #expect(throws: JWTError.unsupportedAlgorithm) { try verify(token(header)) }
    }

    @Test func hs512SignedTokenIsRefused() {
        // Claimed HS512 with a (64-byte-looking) signature: refused on the header alone.
        let input = b64(#"{"alg":"HS512","typ":"JWT"}"#) + "." + b64(claims)
        let t = input + "." + Base64URL.encode([UInt8](repeating: 7, count: 64))
        #expect(throws: JWTError.unsupportedAlgorithm) { try verify(t) }
    }

    @Test(arguments: [
        #"{"alg":"HS256","typ":"JWS"}"#, #"{"alg":"HS256","typ":1}"#,
        #"{"alg":"HS256","crit":["exp"]}"#, #"{"alg":"HS256","crit":[]}"#,
        #"{"alg":["HS256"],"typ":"JWT"}"#, #"{"alg":256,"typ":"JWT"}"#,
    ])
    func unexpectedHeaderFields(_ header: String) {
        #expect(throws: JWTError.malformed) { try verify(token(header)) }
    }

    @Test func tamperedHeader() {
        let good = token().split(separator: ".").map(String.init)
        let t = b64(#"{"alg":"HS256","typ":"JWT","kid":"x"}"#) + "." + good[1] + "." + good[2]
        #expect(throws: JWTError.badSignature) { try verify(t) }
    }

    @Test func tamperedPayload() {
        let good = token().split(separator: ".").map(String.init)
        let admin = claims.replacingOccurrences(of: #""user""#, with: #""admin""#)
        #expect(admin != claims)
        #expect(throws: JWTError.badSignature) { try verify(good[0] + "." + b64(admin) + "." + good[2]) }
    }

    @Test func tamperedSignature() throws {
        let good = token().split(separator: ".").map(String.init)
        var sig = try #require(Base64URL.decode(good[2]))
        for i in [0, 15, 31] {
            var bad = sig
            bad[i] ^= 0x01
            #expect(throws: JWTError.badSignature) { try verify(good[0] + "." + good[1] + "." + Base64URL.encode(bad)) }
        }
        sig.removeLast()
        #expect(throws: JWTError.badSignature) { try verify(good[0] + "." + good[1] + "." + Base64URL.encode(sig)) }
        // Changing only the unused low bits of the last character gives the same bytes to a
        // lax decoder; the strict one refuses it as malformed.
        let last = good[2].last!
        let alias = Character(Unicode.Scalar(last.asciiValue! ^ 0x01))
        #expect(throws: JWTError.malformed) { try verify(good[0] + "." + good[1] + "." + good[2].dropLast() + String(alias)) }
    }

    @Test func wrongKey() {
        let other = Array("another-secret-of-thirty-two-byt".utf8)
        #expect(throws: JWTError.badSignature) { try verify(token(key: other)) }
        #expect(throws: JWTError.badSignature) { try verify(token(key: [])) }
    }

    @Test func signatureIsCheckedBeforeClaims() {
        // A payload that is not even JSON, with a wrong signature: the answer is badSignature.
        let t = b64(hs256) + "." + b64("not json") + "." + Base64URL.encode([UInt8](repeating: 0, count: 32))
        #expect(throws: JWTError.badSignature) { try verify(t) }
        // Correctly signed, the same payload is malformed.
        #expect(throws: JWTError.malformed) { try verify(token(hs256, "not json")) }
    }

    @Test func expired() {
        #expect(throws: JWTError.expired) { try verify(token(hs256, payload(exp: "1699999999"))) }
        #expect(throws: JWTError.expired) { try verify(token(hs256, payload(exp: "1700000000"))) }
        #expect(throws: JWTError.expired) { try verify(token(hs256, payload(exp: "0"))) }
        #expect(throws: JWTError.expired) { try verify(token(hs256, payload(exp: "-5"))) }
    }

    @Test func futureNotBefore() {
        #expect(throws: JWTError.notYetValid) { try verify(token(hs256, payload(extra: #","nbf":1700000001"#))) }
        #expect(throws: Never.self) { try verify(token(hs256, payload(extra: #","nbf":1700000000"#))) }
    }

    @Test func futureIssuedAt() {
        #expect(throws: JWTError.notYetValid) { try verify(token(hs256, payload(extra: #","iat":1700000100"#))) }
    }

    @Test func leewayHonoured() throws {
        let late = token(hs256, payload(exp: "1699999995"))  // expired 5 s ago
        #expect(try verify(late, leeway: 10).sub == "42")
        #expect(throws: JWTError.expired) { try verify(late, leeway: 5) }
        #expect(throws: JWTError.expired) { try verify(late, leeway: -100) }
        let early = token(hs256, payload(extra: #","nbf":1700000005,"iat":1700000005"#))
        #expect(try verify(early, leeway: 5).nbf == 1_700_000_005)
        #expect(throws: JWTError.notYetValid) { try verify(early, leeway: 4) }
    }

    @Test func missingExp() {
        let noExp = #"{"sub":"42","role":"user","iat":1700000000,"jti":"abc"}"#
        #expect(throws: JWTError.missingClaim("exp")) { try verify(token(hs256, noExp)) }
        #expect(throws: JWTError.missingClaim("exp")) { try verify(token(hs256, payload(exp: "null"))) }
    }

    @Test(arguments: [#""1700003600""#, "true", "false", "[1700003600]", #"{"t":1}"#, "1e300", "-1e300"])
    func nonNumericOrAbsurdExp(_ exp: String) {
        #expect(throws: JWTError.malformed) { try verify(token(hs256, payload(exp: exp))) }
    }

    @Test func nonNumericNbfAndIat() {
        #expect(throws: JWTError.malformed) { try verify(token(hs256, payload(extra: #","nbf":"0""#))) }
        #expect(throws: JWTError.malformed) { try verify(token(hs256, payload(extra: #","iat":true"#))) }
    }

    @Test(arguments: ["sub", "role", "jti"])
    func missingRequiredStringClaims(_ name: String) {
        let all = ["sub": #""42""#, "role": #""user""#, "jti": #""abc""#]
        func build(_ value: String?) -> String {
            var fields = [#""exp":1700003600"#]
            for (k, v) in all.sorted(by: { $0.key < $1.key }) {
                if k == name { if let value { fields.append("\"\(k)\":\(value)") } } else { fields.append("\"\(k)\":\(v)") }
            }
            return "{" + fields.joined(separator: ",") + "}"
        }
        #expect(throws: JWTError.missingClaim(name)) { try verify(token(hs256, build(nil))) }
        #expect(throws: JWTError.missingClaim(name)) { try verify(token(hs256, build("null"))) }
        #expect(throws: JWTError.missingClaim(name)) { try verify(token(hs256, build(#""""#))) }
        #expect(throws: JWTError.malformed) { try verify(token(hs256, build("42"))) }
    }

    @Test func badBase64URL() {
        let good = token().split(separator: ".").map(String.init)
        let variants = [
            good[0] + "=." + good[1] + "." + good[2],  // padding
            good[0] + "." + good[1] + "." + good[2] + "=",
            good[0].replacingOccurrences(of: "J", with: "+") + "." + good[1] + "." + good[2],
            good[0] + "." + good[1].replacingOccurrences(of: "J", with: "/") + "." + good[2],
            good[0] + "." + good[1] + " ." + good[2],  // whitespace
            good[0] + "." + good[1] + "." + good[2] + "\n",
            good[0] + "." + good[1] + "." + good[2] + "!",
            good[0] + "." + good[1] + "." + good[2] + "AA",  // 45 chars: impossible length
            "é" + good[0] + "." + good[1] + "." + good[2],
        ]
        for t in variants {
            #expect(throws: JWTError.malformed, "\(t)") { try verify(t) }
        }
    }

    @Test func wrongNumberOfParts() {
        let t = token()
        let p = t.split(separator: ".").map(String.init)
        for bad in [
            "", ".", "..", "...", p[0], p[0] + "." + p[1],  // 1 and 2 parts
            t + "." + p[2], t + ".",  // 4 parts
            "." + t, p[0] + ".." + p[1] + "." + p[2],  // extra dots
            "." + p[1] + "." + p[2], p[0] + ".." + p[2], p[0] + "." + p[1] + ".",  // empty parts
        ] {
            #expect(throws: JWTError.malformed, "\(bad)") { try verify(bad) }
        }
    }

    @Test(arguments: ["not json", #"["alg","HS256"]"#, #""HS256""#, #"{"alg":"HS256""#, ""])
    func nonJSONHeader(_ header: String) {
        #expect(throws: JWTError.malformed) { try verify(token(header)) }
    }

    @Test func oversizedToken() {
        let big = token(hs256, payload(extra: #","pad":""# + "\"" + String(repeating: "x", count: 9000) + "\""))
        #expect(throws: JWTError.malformed) { try verify(big) }
    }
}

@Suite struct PrimitiveTests {
    /// RFC 4231 test case 2.
    @Test func hmacSHA256KnownAnswer() {
        let mac = HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
        #expect(Base64URL.encode(mac) == Base64URL.encode(hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")))
        #expect(HMACSHA256.authenticate([], key: []).count == 32)
    }

    /// RFC 4648 §10 vectors, in the url alphabet without padding.
    @Test func base64URLVectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xfb, 0xff])
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("Zg==") == nil)
        #expect(Base64URL.decode("Zh") == nil)  // non-zero trailing bits
        #expect(Base64URL.decode("Z") == nil)  // impossible length
        for n in 0..<40 {
            let bytes = SecureRandom.bytes(n)
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }

    @Test func constantTimeEquality() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([], []))
    }

    @Test func secureRandom() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(32).count == 32)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    }

    private func hex(_ s: String) -> [UInt8] {
        var out = [UInt8](), chars = Array(s)
        while !chars.isEmpty { out.append(UInt8(String(chars.prefix(2)), radix: 16)!); chars.removeFirst(2) }
        return out
    }
}

/// `sv`, the session version a password change bumps.
@Suite struct JWTSessionVersionTests {
    @Test func sessionVersionRoundTripsAndIsOptional() throws {
        let issued = JWTClaims.issue(sub: "42", role: "user", now: now, sessionVersion: 3)
        #expect(try verify(signer.sign(claims: issued)).sessionVersion == 3)
        #expect(try verify(token(hs256, payload())).sessionVersion == nil)
    }

    @Test(arguments: [#","sv":"3""#, #","sv":-1"#, #","sv":1.5"#, #","sv":true"#])
    func aSessionVersionOfTheWrongKindIsMalformed(extra: String) {
        #expect(throws: JWTError.malformed) { try verify(token(hs256, payload(extra: extra))) }
    }
}

@Suite struct KeyedHMACTests {
    /// The kept context gives the one-shot HMAC's answer, message after message (its restart
    /// keeps the key and forgets the previous message).
    @Test func matchesTheOneShotHMACAcrossMessages() {
        let key = Array("memcached-entry-mac derived key!".utf8)
        let keyed = KeyedHMACSHA256(key: key)
        for message in ["", "a", String(repeating: "x", count: 1000), "auth:abc" + "payload"] {
            keyed.begin()
            keyed.update(Array(message.utf8)[...])
            let tag = keyed.finish(truncatedTo: 32) { Array($0) }
            #expect(tag == HMACSHA256.authenticate(Array(message.utf8), key: key))
            keyed.begin()
            keyed.update(String(message.prefix(3)))
            keyed.update(String(message.dropFirst(3)))
            #expect(keyed.finish(matches: tag.prefix(16)))
            keyed.begin()
            keyed.update(message + "!")
            #expect(!keyed.finish(matches: tag.prefix(16)))
        }
    }

    /// RFC 4231 test case 2, truncated to 128 bits as in its test case 5.
    @Test func rfc4231() {
        let keyed = KeyedHMACSHA256(key: Array("Jefe".utf8))
        keyed.begin()
        keyed.update("what do ya want for nothing?")
        let expected: [UInt8] = [0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7]
        #expect(keyed.finish(truncatedTo: 16) { Array($0) } == expected)
    }
}

@Suite struct SHA256Tests {
    func hex(_ text: String) -> String { Hex.string(SHA256.hash(Array(text.utf8))) }

    /// FIPS 180-4 examples, and the million-`a` vector (many blocks).
    @Test func knownAnswers() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
