/// Salted, slow password hashing with scrypt (OpenSSL), constant-time verification.
///
/// Passwords are taken as their UTF-8 bytes, unnormalised (as hashlib and passlib do).
/// Nothing here logs, and errors never carry the password or the hash.
public struct PasswordHasher: Sendable {
    public static let saltLength = 16
    public static let hashLength = 32

    /// The cost new hashes are made with; stored hashes verify at their own recorded cost.
    public let cost: PasswordHashingCost

    public init(cost: PasswordHashingCost = .production) {
        self.cost = cost
    }

    public enum Failure: Error, Sendable {
        /// OpenSSL could not derive the key (in practice: out of memory).
        case derivationFailed
    }

    /// A new stored-format string with a fresh random salt.
    public func hash(password: String) throws -> String {
        let salt = SecureRandom.bytes(Self.saltLength)
        guard
            let key = Scrypt.derive(
                password: Array(password.utf8), salt: salt,
                cost: cost, length: Self.hashLength)
        else { throw Failure.derivationFailed }
        return StoredPasswordHash(cost: cost, salt: salt, hash: key).encoded
    }

    /// True only if `stored` is a well-formed hash of `password`. Malformed input is false.
    public func verify(password: String, against stored: String) -> Bool {
        guard let parsed = StoredPasswordHash(parsing: stored),
            let key = Scrypt.derive(
                password: Array(password.utf8), salt: parsed.salt,
                cost: parsed.cost, length: parsed.hash.count)
        else { return false }
        return constantTimeEquals(key, parsed.hash)
    }

    /// Does the work of one `verify` at the configured cost and returns false. Call it when
    /// the account does not exist, so "unknown email" and "wrong password" take the same time.
    @discardableResult
    public func verifyDummy(password: String) -> Bool {
        let salt = [UInt8](repeating: 0x5A, count: Self.saltLength)
        let key =
            Scrypt.derive(
                password: Array(password.utf8), salt: salt,
                cost: cost, length: Self.hashLength) ?? []
        _ = constantTimeEquals(key, [UInt8](repeating: 0, count: Self.hashLength))
        return false
    }

    /// True when `stored` should be replaced (after a successful login) by `hash(password:)`:
    /// it is unreadable, or was made at a cost below the configured one.
    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = StoredPasswordHash(parsing: stored) else { return true }
        return parsed.cost.isWeaker(than: cost)
            || parsed.salt.count < Self.saltLength || parsed.hash.count < Self.hashLength
    }
}
