import COpenSSL

/// HMAC-SHA256 under one fixed key, for messages computed many times a second on one thread
/// (cache entry tags). OpenSSL's one-shot `HMAC()` fetches the algorithm, builds two digest
/// contexts and hashes the key for every call; this keeps one `EVP_MAC_CTX` holding the key's
/// padded states and only restarts it per message. Not thread-safe: one per thread.
public final class KeyedHMACSHA256 {
    public static let digestLength = HMACSHA256.digestLength
    private let mac: OpaquePointer
    private let context: OpaquePointer

    public init(key: [UInt8]) {
        // An empty key would mean "keep the previous key" to EVP_MAC_init: callers derive theirs.
        precondition(!key.isEmpty, "KeyedHMACSHA256 needs a non-empty key")
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil), let context = EVP_MAC_CTX_new(mac) else {
            fatalError("OpenSSL has no HMAC")
        }
        self.mac = mac
        self.context = context
        let initialised = "SHA256".withCString { digest in
            var parameters = [
                OSSL_PARAM_construct_utf8_string("digest", UnsafeMutablePointer(mutating: digest), 0),
                OSSL_PARAM_construct_end(),
            ]
            return key.withUnsafeBufferPointer { EVP_MAC_init(context, $0.baseAddress, $0.count, &parameters) }
        }
        // As in HMACSHA256: a broken MAC must stop the process, never accept or reject at random.
        guard initialised == 1 else { fatalError("HMAC-SHA256 key setup failed") }
    }

    deinit {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(mac)
    }

    /// Starts a new message under the same key.
    public func begin() {
        guard EVP_MAC_init(context, nil, 0, nil) == 1 else { fatalError("HMAC-SHA256 restart failed") }
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        guard EVP_MAC_update(context, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count) == 1 else {
            fatalError("HMAC-SHA256 update failed")
        }
    }

    public func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Ends the message: the first `length` bytes of its tag (at most 32), without a heap allocation.
    public func finish<R>(truncatedTo length: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        precondition((1...Self.digestLength).contains(length))
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { out in
            var written = 0
            guard EVP_MAC_final(context, out.baseAddress, &written, out.count) == 1, written == Self.digestLength else {
                fatalError("HMAC-SHA256 final failed")
            }
            return body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(out)[..<length]))
        }
    }

    /// Ends the message: whether its tag, truncated to `expected.count` bytes, is `expected`
    /// (compared in constant time).
    public func finish(matches expected: ArraySlice<UInt8>) -> Bool {
        guard (1...Self.digestLength).contains(expected.count) else { return false }
        return finish(truncatedTo: expected.count) { tag in
            expected.withUnsafeBytes { constantTimeEquals(tag, $0) }
        }
    }
}
