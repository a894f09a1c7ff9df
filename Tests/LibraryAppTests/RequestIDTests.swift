import FastCGI
import HTTPTypes
import Security
import Testing
@testable import LibraryApp

@Suite struct RequestIDTests {
    @Test func generatedIdsAre32HexDigitsAndUnique() {
        let ids = (0..<1000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test func wellFormedIncomingIdsAreKept() {
        #expect(RequestID.resolve(incoming: "3f2b8c1e-0a4d-4c7e-9f1a-2b3c4d5e6f70") == "3f2b8c1e-0a4d-4c7e-9f1a-2b3c4d5e6f70")
        #expect(RequestID.resolve(incoming: "req_1.2:3") == "req_1.2:3")
    }

    @Test(arguments: ["", "has space", "new\nline", String(repeating: "a", count: 129), "ünïcode", "a\"b", "<script>"])
    func malformedIncomingIdsAreReplaced(candidate: String) {
        let resolved = RequestID.resolve(incoming: candidate)
        #expect(resolved != candidate)
        #expect(resolved.utf8.count == 32)
    }

    @Test func cgiHeaderNamesBecomeHTTPNames() {
        #expect(CGIParameters.headerName(fromCGI: "X_REQUEST_ID".utf8) == "X-Request-Id")
        #expect(CGIParameters.headerName(fromCGI: "CONTENT_TYPE".utf8) == "Content-Type")
        #expect(CGIParameters.headerName(fromCGI: "IF_NONE_MATCH".utf8) == "If-None-Match")
    }
}

@Suite struct BearerTokenParsingTests {
    @Test func theSchemeIsCaseInsensitiveAndTheTokenOneWord() {
        #expect(BearerAuthenticator.bearerToken(in: "Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(BearerAuthenticator.bearerToken(in: "bearer abc") == "abc")
        #expect(BearerAuthenticator.bearerToken(in: "BEARER   abc  ") == "abc")
        #expect(BearerAuthenticator.bearerToken(in: " Bearer abc") == "abc")
        #expect(BearerAuthenticator.bearerToken(in: "Bearer ✓") == "✓")
    }

    @Test func anythingElseIsNoToken() {
        for header in [nil, "", "Bearer", "Bearer ", "Bearer a b", "Basic abc", "Bearerabc", "Bear abc", "Bearer\tabc", "Beärer abc"] {
            #expect(BearerAuthenticator.bearerToken(in: header) == nil, "\(header ?? "nil")")
        }
    }
}

@Suite struct VerifiedTokenCacheTests {
    private static let claims = JWTClaims(sub: "7", role: "user", iat: 100, exp: 200, jti: "j")
    private static func field(_ value: String) -> HTTPField { HTTPField(name: .authorization, value: value) }
    private static func token(_ jti: String = "j") -> BearerAuthenticator.VerifiedToken {
        BearerAuthenticator.VerifiedToken(claims: JWTClaims(sub: "7", role: "user", iat: 100, exp: 200, jti: jti), userID: 7)
    }

    @Test func aRememberedTokenCountsOnlyBeforeItsExpiry() {
        var cache = VerifiedTokenCache()
        #expect(cache.lookUp("Bearer a.b.c", now: 150) == nil)
        cache.remember(Self.field("Bearer a.b.c"), Self.token())
        let found = cache.lookUp("Bearer a.b.c", now: 150)
        #expect(found?.claims == Self.claims)
        #expect(found?.checkKey == "auth:j")
        #expect(found?.cacheKeys == ["auth:j", "authgen:7", Generation.epochKey])  // made once, with the token
        #expect(cache.lookUp("Bearer a.b.C", now: 150) == nil)  // the exact text, nothing near it
        #expect(cache.lookUp("bearer a.b.c", now: 150) == nil)
        // Canonically equal to a remembered value but other bytes (U+212A KELVIN SIGN for `K`):
        // not found, in either direction; the same bytes are.
        cache.remember(Self.field("Bearer a.K.c"), Self.token())
        #expect(cache.lookUp("Bearer a.\u{212A}.c", now: 150) == nil)
        cache.remember(Self.field("Bearer a.\u{212A}.d"), Self.token("k"))
        #expect(cache.lookUp("Bearer a.K.d", now: 150) == nil)
        #expect(cache.lookUp("Bearer a.\u{212A}.d", now: 150)?.checkKey == "auth:k")
        #expect(cache.lookUp("Bearer a.b.c", now: 200) == nil)  // expired: verified anew (and refused)
        #expect(cache.lookUp("Bearer a.b.c", now: 150) == nil)  // and forgotten
    }

    @Test func theRememberedAuthorizationFieldIsFoundByItsExactBytes() {
        var cache = VerifiedTokenCache()
        let value = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.c2lnbmF0dXJlLW9mLWF0LWxlYXN0LTMyLWJ5dGVzLWxvbmc"
        func field(of text: String) -> HTTPField? {
            Array(text.utf8).withUnsafeBytes { cache.field(ofValue: $0) }
        }
        #expect(field(of: value) == nil)
        cache.remember(Self.field(value), Self.token())
        #expect(field(of: value) == Self.field(value))
        #expect(field(of: value + "x") == nil)  // longer
        #expect(field(of: String(value.dropLast())) == nil)  // a prefix
        #expect(field(of: "bearer" + value.dropFirst(6)) == nil)  // the same tail, other bytes before it
        #expect(field(of: "x" + value.dropFirst()) == nil)
    }

    @Test func itStaysBounded() {
        var cache = VerifiedTokenCache()
        for n in 0...VerifiedTokenCache.capacity { cache.remember(Self.field("t\(n)"), Self.token()) }
        #expect(cache.lookUp("t0", now: 150) == nil)
        #expect(cache.lookUp("t\(VerifiedTokenCache.capacity)", now: 150)?.claims == Self.claims)
    }
}
