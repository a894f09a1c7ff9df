import Logging
import Security

/// memcached holds data, never authority: it has no authentication, so whoever reaches it can
/// write any key. Every entry the app believes when it reads it back (token checks, cached
/// answers, list counts) carries a tag — HMAC-SHA256 over the entry's key and value, under a
/// key derived from `SECRET_KEY` — appended to the value. An entry whose tag does not match is
/// a miss: recomputed from the database and overwritten, counted
/// (`library_cache_forged_entries_total`) and logged without its content. The key is in the
/// tag, so an entry cannot be moved to another key (another token's check, another book).
///
/// The tag is the first 16 bytes of the HMAC: forging one is a 2^-128 guess per try, online,
/// each try a request; nothing is gained from the other 16 bytes but 16 more bytes per entry.
/// Counters (generations, the epoch, rate-limit counts) cannot carry a tag: docs/security.md.
///
/// One per worker thread (`Context`): its HMAC context is not thread-safe.
final class CacheEntrySeal {
    static let tagLength = 16
    /// Separates this key from the JWT signing key derived from the same secret.
    static let derivationLabel = "memcached-entry-mac"

    private let hmac: KeyedHMACSHA256
    var logger: Logger

    init(secretKey: String, logger: Logger) {
        hmac = KeyedHMACSHA256(key: HMACSHA256.authenticate(Array(Self.derivationLabel.utf8), key: Array(secretKey.utf8)))
        self.logger = logger
    }

    /// The value to store under `key`: `payload`, then its tag.
    func seal(_ payload: [UInt8], key: String) -> [UInt8] {
        var sealed = payload
        sealed.reserveCapacity(payload.count + Self.tagLength)
        begin(key: key, payload: payload[...])
        hmac.finish(truncatedTo: Self.tagLength) { sealed.append(contentsOf: $0) }
        return sealed
    }

    /// The payload of the value read under `key`, or nil when there is none or its tag is wrong
    /// (then counted and logged: someone other than this service wrote it).
    func open(_ value: [UInt8]?, key: String) -> ArraySlice<UInt8>? {
        guard let value else { return nil }
        guard value.count >= Self.tagLength else { return rejected(key) }
        let payload = value[..<(value.count - Self.tagLength)]
        begin(key: key, payload: payload)
        guard hmac.finish(matches: value[(value.count - Self.tagLength)...]) else { return rejected(key) }
        return payload
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
