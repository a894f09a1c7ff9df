/// scrypt work factor (RFC 7914): N = 2^ln iterations, block size r, parallelism p.
/// Memory used is about 128·r·N bytes: production (ln=15, r=8, p=1) takes 32 MiB per hash.
public struct PasswordHashingCost: Sendable, Hashable, CustomStringConvertible {
    public let ln: Int
    public let r: Int
    public let p: Int

    /// OWASP's scrypt baseline (N=2^15, r=8, p=1): tens of milliseconds per hash.
    public static let production = PasswordHashingCost(checked: (15, 8, 1))
    /// Cheap enough for test suites (1 MiB, a few milliseconds). Never use in production.
    public static let testing = PasswordHashingCost(checked: (10, 8, 1))

    /// Upper bound on memory for one hash. It also bounds what a stored hash string may ask
    /// for, so a corrupted or hostile row cannot make `verify` allocate gigabytes.
    public static let maxMemoryBytes: UInt64 = 1 << 30

    /// nil when the parameters are outside what scrypt accepts or above `maxMemoryBytes`.
    public init?(ln: Int, r: Int, p: Int) {
        guard (1...30).contains(ln), (1...64).contains(r), (1...16).contains(p) else { return nil }
        self.ln = ln
        self.r = r
        self.p = p
        guard memoryBytes <= Self.maxMemoryBytes else { return nil }
    }

    private init(checked v: (Int, Int, Int)) {
        (ln, r, p) = v
    }

    public var n: UInt64 { 1 << UInt64(ln) }

    /// What OpenSSL's scrypt allocates (kdf_scrypt.c: B = 128·r·p, V = 128·r·(N+2)); passed
    /// as `maxmem`, since OpenSSL's 32 MiB default is just too small for the production cost.
    public var memoryBytes: UInt64 {
        128 * UInt64(r) * (n + 2) + 128 * UInt64(r) * UInt64(p)
    }

    /// The PHC parameter string, e.g. `ln=15,r=8,p=1`.
    public var description: String { "ln=\(ln),r=\(r),p=\(p)" }

    /// True when any parameter is below `other`'s, i.e. a hash at `self` should be redone.
    public func isWeaker(than other: PasswordHashingCost) -> Bool {
        ln < other.ln || r < other.r || p < other.p
    }
}
