import Basics
import Security

/// Turns a caller's key into the key sent to memcached: the prefix, then the key, or a SHA-256 of
/// the key when the whole would exceed memcached's 250 bytes.
enum CacheKey {
    static let maximumLength = 250

    /// memcached's text protocol separates tokens with spaces and ends lines with CRLF: a key must
    /// hold neither spaces nor control characters. Bytes of UTF-8 multibyte characters are fine.
    static func isValid(_ key: String) -> Bool {
        // Over the contiguous bytes (checked for every key of every request: seven for a cached
        // book), eight a step, then the last few one by one.
        var key = key
        return key.withUTF8 { bytes in
            !bytes.isEmpty && bytes[ControlCharacters.skipClean(bytes, from: 0, below: 0x21)...].allSatisfy(isKeyByte)
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool { byte > 0x20 && byte != 0x7F }

    /// Whether a valid `key` goes on the wire as `prefix` and `key`, unhashed.
    static func goesAsIs(_ key: String, prefix: String) -> Bool {
        prefix.utf8.count + key.utf8.count < maximumLength
    }

    /// Keys whose whole is shorter than 250 bytes go as they are; the others become exactly 250
    /// bytes (prefix, head of the key, `#`, 64 hex digits of SHA-256), so a short key can never
    /// be chosen to equal the hashed form of a long one.
    static func wireKey(_ key: String, prefix: String) throws -> [UInt8] {
        guard isValid(key) else {
            throw CacheError.invalidKey(key.isEmpty ? "empty key" : "key holds a space or control character")
        }
        if goesAsIs(key, prefix: prefix) {
            var whole: [UInt8] = []
            whole.reserveCapacity(prefix.utf8.count + key.utf8.count)
            whole.append(contentsOf: prefix.utf8)
            whole.append(contentsOf: key.utf8)
            return whole
        }
        let digest = Array(Hex.string(SHA256.hash(Array(key.utf8))).utf8)
        let head = key.utf8.prefix(maximumLength - prefix.utf8.count - 1 - digest.count)
        return Array(prefix.utf8) + head + Array("#".utf8) + digest
    }
}
