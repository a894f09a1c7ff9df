/// Why a token was refused. The HTTP layer answers every case with the same
/// `401 invalid_token`; the cases exist for tests and debugging, not for clients.
public enum JWTError: Error, Equatable, Sendable {
    /// Not three non-empty canonical base64url parts, JSON that is not an object,
    /// a wrongly typed or out-of-range claim, an unexpected `typ` or a `crit` header.
    case malformed
    /// `alg` is anything but exactly "HS256" (including "none" and a missing `alg`).
    case unsupportedAlgorithm
    case badSignature
    case expired
    /// `nbf` or `iat` lies in the future by more than the leeway.
    case notYetValid
    case missingClaim(String)
}
