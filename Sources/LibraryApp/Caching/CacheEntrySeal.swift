import Glibc
import Logging
import Security

/// memcached holds data, never authority: it has no authentication, so whoever reaches it can
/// write any key. Every entry the app believes when it reads it back (token checks, cached
/// answers, list counts) ends in the time it expires and a tag — HMAC-SHA256 over the entry's
/// key, value and expiry, under a key derived from `SECRET_KEY`. An entry whose tag does not match is
/// a miss: recomputed from the database and overwritten, counted
/// (`library_cache_forged_entries_total`) and logged without its content. The key is in the
/// tag, so an entry cannot be moved to another key (another token's check, another book); so
/// is the expiry, so a copy of a former genuine entry, written back with a new memcached
/// lifetime, still ends when the original did (the bound docs/security.md states for replays).
///
/// The tag is the first 16 bytes of the HMAC: forging one is a 2^-128 guess per try, online,
/// each try a request; nothing is gained from the other 16 bytes but 16 more bytes per entry.
/// Counters (generations, the epoch, rate-limit counts) cannot carry a tag: docs/security.md.
///
/// One per worker thread (`Context`): its HMAC context is not thread-safe.
final class CacheEntrySeal {
    static let tagLength = 16
    static let expiryLength = 8
    /// Separates this key from the JWT signing key derived from the same secret.
    static let derivationLabel = "memcached-entry-mac"

    private let hmac: KeyedHMACSHA256
    var logger: Logger

    init(secretKey: String, logger: Logger) {
        hmac = KeyedHMACSHA256(key: HMACSHA256.authenticate(Array(Self.derivationLabel.utf8), key: Array(secretKey.utf8)))
        self.logger = logger
    }

    /// The value to store under `key` for `lifetime` seconds (memcached's expiration too):
    /// `payload`, the Unix time it expires (8 bytes, big-endian), then the tag over all of it.
    func seal(_ payload: [UInt8], key: String, lifetime: Int) -> [UInt8] {
        var sealed = payload
        sealed.reserveCapacity(payload.count + Self.expiryLength + Self.tagLength)
        withUnsafeBytes(of: Int64(time(nil) + lifetime).bigEndian) { sealed.append(contentsOf: $0) }
        begin(key: key, payload: sealed[...])
        hmac.finish(truncatedTo: Self.tagLength) { sealed.append(contentsOf: $0) }
        return sealed
    }

    /// The payload of the value read under `key`, or nil when there is none, it has expired, or
    /// its tag is wrong (then counted and logged: someone other than this service wrote it).
    func open(_ value: [UInt8]?, key: String) -> ArraySlice<UInt8>? {
        guard let value else { return nil }
        guard value.count >= Self.expiryLength + Self.tagLength else { return rejected(key) }
        let tagStart = value.count - Self.tagLength
        let payloadEnd = tagStart - Self.expiryLength
        begin(key: key, payload: value[..<tagStart])
        guard hmac.finish(matches: value[tagStart...]) else { return rejected(key) }
        guard Self.expiry(of: value) >= Int64(time(nil)) else { return nil }  // genuine but over: a replay, or memcached late
        return value[..<payloadEnd]
    }

    /// The Unix time a sealed value (at least expiry and tag long) expires.
    static func expiry(of value: [UInt8]) -> Int64 {
        let tagStart = value.count - tagLength
        var expiry: Int64 = 0
        for byte in value[(tagStart - expiryLength)..<tagStart] { expiry = expiry << 8 | Int64(byte) }
        return expiry
    }

    /// The key's length first, so that no key/value split of the same bytes gives the same tag.
    private func begin(key: String, payload: ArraySlice<UInt8>) {
        hmac.begin()
        var length = UInt32(key.utf8.count).bigEndian
        withUnsafeBytes(of: &length) { hmac.update($0) }
        hmac.update(key)
        hmac.update(payload)
    }

    private func rejected(_ key: String) -> ArraySlice<UInt8>? {
        AppMetrics.cacheForgedEntries.increment()
        logger.warning("memcached entry failed its integrity check; ignored and recomputed", metadata: ["key": "\(key)"])
        return nil
    }
}
