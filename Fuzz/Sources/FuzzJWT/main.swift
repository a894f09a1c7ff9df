import FuzzSupport
@testable import Security

/// The JWT decoder and verifier, and base64url. Two ways in, chosen by the first byte:
/// * even: the rest is a token as a client sends it (`Authorization: Bearer <rest>`);
/// * odd: the rest is `header.payload` JSON, base64url-encoded and signed with the key, so
///   the fuzzer gets past the signature into the header and claim checks.
/// Properties: verify never traps; a token that verifies, re-signed from its claims, verifies
/// to the same claims; base64url decoding accepts exactly the canonical encodings.
private let secret = Array("fuzzing-key-fuzzing-key-fuzzing-key!".utf8)
private let signer = JWTSigner(secret: secret)
private let now: Int64 = 1_750_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWT(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(data, count)
    guard let mode = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())

    let token: String
    if mode & 1 == 0 {
        token = String(decoding: rest, as: UTF8.self)
        checkBase64URL(token)
    } else {
        // `header` NUL `payload`; without a NUL the header is ours and the payload is all of it.
        let parts = rest.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let header = parts.count == 2 ? Array(parts[0]) : Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8)
        let payload = Array(parts.last ?? [])
        let signingInput = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        token = signingInput + "." + Base64URL.encode(HMACSHA256.authenticate(Array(signingInput.utf8), key: secret))
    }

    let leeway = Int64(mode >> 1) * 5
    guard let claims = try? signer.verify(token: token, now: now, leeway: leeway) else { return 0 }
    check(!claims.sub.isEmpty && !claims.role.isEmpty && !claims.jti.isEmpty, "empty required claim in \(claims)")
    let again = signer.sign(claims: claims)
    do {
        // `sign` writes whole seconds: a fractional `exp` loses up to a second.
        let reread = try signer.verify(token: again, now: now, leeway: leeway + 1)
        check(reread == claims, "re-signed claims differ: \(claims) vs \(reread)")
    } catch {
        fatalError("re-signed token of \(claims) refused: \(error)")
    }
    return 0
}

/// Decoding is strict (one accepted spelling per byte string), so decode then encode is the identity.
private func checkBase64URL(_ text: String) {
    for part in text.split(separator: ".", omittingEmptySubsequences: false) {
        guard let decoded = Base64URL.decode(part) else { continue }
        check(Base64URL.encode(decoded) == part, "base64url accepted non-canonical \(part)")
    }
}

runLibFuzzer(fuzzJWT)
