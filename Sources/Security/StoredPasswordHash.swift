/// A password hash as stored in the database, in the PHC string format (the one passlib and
/// argon2 use), so the string names its algorithm and cost and old hashes keep verifying
/// after the configured cost is raised:
///
///     $scrypt$ln=15,r=8,p=1$<salt>$<hash>
///
/// salt and hash are standard-alphabet base64 without padding (16-byte salt, 32-byte hash).
public struct StoredPasswordHash: Sendable, Equatable {
    public static let algorithm = "scrypt"

    public let cost: PasswordHashingCost
    public let salt: [UInt8]
    public let hash: [UInt8]

    public init(cost: PasswordHashingCost, salt: [UInt8], hash: [UInt8]) {
        self.cost = cost
        self.salt = salt
        self.hash = hash
    }

    /// nil for anything that is not exactly this format with sane sizes and costs. Salts and
    /// hashes other than the ones we write (salt 16+ bytes, hash 32) mean a damaged row: refused.
    public init?(parsing text: String) {
        guard text.utf8.count <= 512 else { return nil }
        let fields = text.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == Self.algorithm,
            let cost = Self.parseCost(fields[2]),
            let salt = Base64Unpadded.decode(fields[3]), (16...64).contains(salt.count),
            let hash = Base64Unpadded.decode(fields[4]), hash.count == PasswordHasher.hashLength
        else { return nil }
        self.init(cost: cost, salt: salt, hash: hash)
    }

    public var encoded: String {
        "$\(Self.algorithm)$\(cost)$\(Base64Unpadded.encode(salt))$\(Base64Unpadded.encode(hash))"
    }

    /// Exactly `ln=<d>,r=<d>,p=<d>` in that order, plain decimal digits.
    private static func parseCost(_ text: Substring) -> PasswordHashingCost? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let ln = number(parts[0], key: "ln"),
            let r = number(parts[1], key: "r"),
            let p = number(parts[2], key: "p")
        else { return nil }
        return PasswordHashingCost(ln: ln, r: r, p: p)
    }

    private static func number(_ part: Substring, key: String) -> Int? {
        guard part.hasPrefix(key + "=") else { return nil }
        let digits = part.dropFirst(key.count + 1)
        guard (1...3).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
